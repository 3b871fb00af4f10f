"""The inbound worker process (``inbound_worker.py``) yields the CPU to the web workers.

On a machine shared with gunicorn, a reply blast's bot turns must not starve the webhooks Twilio
times out after 15 s: the worker lowers its own priority (``INBOUND_WORKER_NICE``, default 10).
docs/benchmarks.md ("Inbound load") has the figures with and without.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _worker(tmp_path: Path, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "inbound_worker.py")],
        cwd=tmp_path,
        env={
            "PATH": os.environ["PATH"],
            "HOME": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.db'}",
            "RASA_URL": "http://127.0.0.1:9",
            **env,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _stop(proc: subprocess.Popen[str]) -> None:
    """SIGTERM, then kill if it is still there: a test never leaves a worker behind."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()


def _niceness_once_running(proc: subprocess.Popen[str], base: int) -> int:
    """The worker's niceness once it has lowered it (it starts at ours), polled for up to 20 s."""
    for _ in range(200):
        if proc.poll() is not None:
            break
        nice = os.getpriority(os.PRIO_PROCESS, proc.pid)
        if nice != base:
            return nice
        with contextlib.suppress(subprocess.TimeoutExpired):  # it reads its settings first
            proc.wait(timeout=0.1)
    return base


@pytest.mark.parametrize(("setting", "expected"), [({}, 10), ({"INBOUND_WORKER_NICE": "4"}, 4)])
def test_the_worker_runs_below_the_web_workers_priority(
    tmp_path: Path, setting: dict[str, str], expected: int
) -> None:
    base = os.getpriority(os.PRIO_PROCESS, 0)
    proc = _worker(tmp_path, **setting)
    try:
        assert _niceness_once_running(proc, base) == min(19, base + expected)
    finally:
        _stop(proc)


@pytest.mark.parametrize("value", ["loud", "-5", "20"])
def test_a_bad_niceness_is_refused_naming_the_setting(tmp_path: Path, value: str) -> None:
    proc = _worker(tmp_path, INBOUND_WORKER_NICE=value)
    try:
        out, _ = proc.communicate(timeout=60)
    finally:  # a worker that took the value would run on
        _stop(proc)
    assert proc.returncode != 0
    assert f"INBOUND_WORKER_NICE: a niceness from 0 to 19, got {value!r}" in out
