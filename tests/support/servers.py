"""Start the real collaborators tests talk to: Prism, Rasa, the action server, a live web app."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
LOGS = ROOT / "test-artifacts" / "logs"
# The servers started by `process`, by name, while they run (tests look at their pids).
RUNNING: dict[str, subprocess.Popen[bytes]] = {}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"{url} exited with {proc.returncode}; see {log}:\n" + log.read_text()[-3000:]
            )
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s; see {log}")


@contextmanager
def process(
    name: str,
    args: list[str],
    ready_url: str,
    *,
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
    timeout: float = 120,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server for the duration of the block, logging to test-artifacts/logs/<name>.log."""
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"{name}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            args,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
        try:
            wait_for(ready_url, proc, timeout, log)
            RUNNING[name] = proc
            yield proc
        finally:
            RUNNING.pop(name, None)
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def prism_args(port: int, spec: str = "twilio_api_v2010.json") -> list[str]:
    prism = ROOT / "node_modules" / ".bin" / "prism"
    if not prism.exists():
        raise RuntimeError("Prism is missing: run `make test` (it runs `npm ci`)")
    return [
        str(prism),
        "mock",
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        str(SHARED / "twilio-oai" / spec),
    ]


def rasa_args(port: int) -> list[str]:
    """`rasa run` through bot/serve.py: the API token comes from RASA_TOKEN in the environment,
    never from these arguments (they are readable in /proc/<pid>/cmdline)."""
    python = ROOT / "bot" / ".venv" / "bin" / "python"
    models = ROOT / "bot" / "models"
    if not python.exists() or not any(models.glob("*.tar.gz")):
        raise RuntimeError("Rasa or its trained model is missing: run `make test`")
    return [
        str(python),
        str(ROOT / "bot" / "serve.py"),
        "-i",
        "127.0.0.1",
        "-p",
        str(port),
        "--model",
        str(models),
        "--endpoints",
        "endpoints.yml",
        "--credentials",
        "credentials.yml",
    ]


def action_server_args(port: int) -> list[str]:
    return [
        str(ROOT / ".venv" / "bin" / "python"),
        "-m",
        "rasa_sdk",
        "--actions",
        "bot.actions",
        "--port",
        str(port),
    ]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise RuntimeError("Chromium is missing: run `make test` (installs Debian's chromium)")
    return path


class LiveServer:
    """The Flask app served by werkzeug in a thread, for browser tests."""

    def __init__(self, app, port: int) -> None:
        from werkzeug.serving import make_server

        self.url = f"http://127.0.0.1:{port}"
        self._server = make_server("127.0.0.1", port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)
