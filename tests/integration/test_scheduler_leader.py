"""One scheduler leader (issue 19): of any number of scheduler processes exactly one runs jobs; a
standby takes over when the leader dies (SIGKILL) or steps down; /healthz/ready names it.

On SQLite the lease row decides; on PostgreSQL (CI's second pass) an advisory lock does, and the
row names the holder. The same tests hold for both."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

from outreach.leader import Leadership, current_leader
from tests.conftest import TEST_SECRET
from tests.support import servers

TTL = timedelta(seconds=20)


def test_one_candidate_leads_and_a_standby_takes_over_when_it_dies(
    session, settings, clock, database_url
):
    first, second = Leadership(database_url, ttl=TTL), Leadership(database_url, ttl=TTL)
    try:
        assert first.hold(clock.now()) is True
        assert second.hold(clock.now()) is False
        clock.advance(seconds=5)
        assert first.hold(clock.now()) is True  # renewed: still the one leader
        assert second.hold(clock.now()) is False
        leader = current_leader(session, clock.now())
        assert leader is not None and leader.pid == os.getpid()

        first.abandon()  # killed: no release, its lease (or lock) is simply left behind
        died = clock.now()
        clock.advance(seconds=TTL.total_seconds() + 1)  # the dead leader's lease has run out
        assert _eventually(lambda: second.hold(clock.now()))
        session.expire_all()
        now_leading = current_leader(session, clock.now())
        assert now_leading is not None and now_leading.since > died
        assert clock.now() - died <= timedelta(seconds=30)
    finally:
        first.release(clock.now())
        second.release(clock.now())


def test_a_leader_that_steps_down_hands_over_at_the_standbys_next_try(session, clock, database_url):
    first, second = Leadership(database_url, ttl=TTL), Leadership(database_url, ttl=TTL)
    try:
        assert first.hold(clock.now()) and not second.hold(clock.now())
        first.release(clock.now())  # SIGTERM: a clean stop
        assert current_leader(session, clock.now()) is None
        assert _eventually(lambda: second.hold(clock.now()))
        assert first.hold(clock.now()) is False  # and the old one stands by now
    finally:
        first.release(clock.now())
        second.release(clock.now())


def _eventually(attempt, seconds: float = 10) -> bool:
    """PostgreSQL drops a closed session's advisory lock when its backend has exited, a moment
    after the client hung up: a standby that finds it still held tries again (every few seconds
    in scheduler.py), so this retries the same way. On SQLite the first try decides."""
    deadline = time.monotonic() + seconds
    while not (taken := attempt()) and time.monotonic() < deadline:
        time.sleep(0.1)  # waiting for the old backend to exit
    return taken


def test_healthz_ready_names_the_leader(client, database_url, clock, monkeypatch):
    monkeypatch.setattr("outreach.web.health.settings", lambda: _with_token(client))
    leadership = Leadership(database_url, ttl=TTL)
    try:
        assert leadership.hold(clock.now())
        body = client.get("/healthz/ready", headers={"Authorization": "Bearer t0ken"}).get_json()
    finally:
        leadership.release(clock.now())
    leader = body["checks"]["scheduler"]["leader"]
    assert leader["pid"] == os.getpid() and leader["host"] == leadership.host
    assert leader["since"] == clock.now().isoformat()
    assert client.get("/healthz").get_json() in ({"status": "ok"}, {"status": "unavailable"})


def _with_token(client):
    from dataclasses import replace

    return replace(client.application.extensions["settings"], health_token="t0ken")


def _start(database_url: str) -> tuple[subprocess.Popen[str], list[str]]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "REMINDER_INTERVAL_SECONDS": "3600",
        "SCHEDULER_LEASE_SECONDS": "4",
    }
    proc = subprocess.Popen(
        [sys.executable, "scheduler.py"],
        cwd=servers.ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True).start()
    return proc, lines


def _wait_for(lines: list[str], needle: str, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(needle in line for line in list(lines)):
            return True
        time.sleep(0.1)  # polling another process's output
    return False


def test_a_standby_process_runs_the_jobs_after_the_leader_is_killed(database_url):
    leader, leader_out = _start(database_url)
    standby = None
    try:
        assert _wait_for(leader_out, "leader: running jobs"), "".join(leader_out)
        standby, standby_out = _start(database_url)
        assert _wait_for(standby_out, "standing for leader"), "".join(standby_out)
        assert not _wait_for(standby_out, "leader: running jobs", seconds=3)  # one leader only
        leader.send_signal(signal.SIGKILL)
        leader.wait(timeout=10)
        # the bound: a standby takes over within 30 s of the leader's death
        assert _wait_for(standby_out, "leader: running jobs", seconds=30), "".join(standby_out)
        standby.send_signal(signal.SIGTERM)
        assert standby.wait(timeout=30) == 0
    finally:
        for proc in (leader, standby):
            if proc is not None:
                if proc.poll() is None:
                    proc.kill()
                proc.wait()
                proc.stdout.close()
