"""Starting Rasa without its API token on the command line (security finding 14)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support import servers

ROOT = Path(__file__).resolve().parents[2]
BOT_PYTHON = ROOT / "bot" / ".venv" / "bin" / "python"


def serve(*args: str, token: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "RASA_TOKEN"}
    if token is not None:
        env["RASA_TOKEN"] = token
    return subprocess.run(
        [str(BOT_PYTHON), str(ROOT / "bot" / "serve.py"), *args],
        cwd=ROOT / "bot",
        env={**env, "RASA_TELEMETRY_ENABLED": "false"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_it_refuses_a_token_on_the_command_line():
    done = serve("--auth-token", "visible-to-every-user", token="t")
    assert done.returncode != 0 and "RASA_TOKEN" in done.stderr


def test_it_refuses_to_start_the_api_without_a_token():
    done = serve("-p", "9", token=None)
    assert done.returncode != 0 and "RASA_TOKEN: required" in done.stderr


def test_it_starts_rasa_with_no_token_in_its_arguments():
    args = servers.rasa_args(5005)
    assert "--auth-token" not in args and args[1].endswith("serve.py")
    script = (ROOT / "scripts" / "rasa-server").read_text()
    assert "--auth-token" not in script and "export RASA_TOKEN" in script
