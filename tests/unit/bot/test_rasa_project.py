"""The Rasa project's own checks, run with Rasa's venv so CI runs them with the suite:
`rasa data validate --fail-on-warnings` and the English and Spanish test stories with
`rasa test core --fail-on-prediction-errors` (they need the model `make train` builds)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

BOT = Path(__file__).resolve().parents[3] / "bot"
RASA = BOT / ".venv" / "bin" / "rasa"
ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}


def rasa(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(RASA), *args],
        cwd=BOT,
        env={**ENV, "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_it_validates_the_training_data_without_warnings(tmp_path: Path) -> None:
    done = rasa("data", "validate", "--domain", "domain", "--fail-on-warnings", tmp_path=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_it_passes_every_english_and_spanish_test_story(tmp_path: Path) -> None:
    stories = sorted(p.name for p in (BOT / "tests").glob("test_stories*.yml"))
    assert stories == ["test_stories.yml", "test_stories_es.yml"]
    done = rasa(
        "test",
        "core",
        "--model",
        "models",
        "--stories",
        "tests",
        "--fail-on-prediction-errors",
        "--out",
        str(tmp_path / "results"),
        tmp_path=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = (tmp_path / "results" / "failed_test_stories.yml").read_text()
    assert "None of the test stories failed" in report
