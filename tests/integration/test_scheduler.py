"""scheduler.py: SQLAlchemy job store, fixed job ids, UTC, coalescing, misfire grace, SIGTERM."""

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import inspect, text

import scheduler as scheduler_module
from outreach.db import engine_for
from tests.conftest import TEST_SECRET
from tests.support import servers

JOB_IDS = {
    "heartbeat",
    "plan",
    "dispatch",
    "reconcile",
    "resume",
    "arrangements",
    "inbound_spool",
    "stk_query",
    "events",
    "stages",
    "loan_snapshot",
    "weekly_report",
    "risk_score",
}


def test_it_persists_fixed_jobs_in_utc_without_pickling_settings(settings, database_url):
    sched = scheduler_module.build_scheduler(settings, BackgroundScheduler)
    sched.start(paused=True)
    try:
        jobs = {job.id: job for job in sched.get_jobs()}
        assert set(jobs) >= JOB_IDS
        assert str(sched.timezone) == "UTC"
        for job_id in JOB_IDS:
            job = jobs[job_id]
            assert job.coalesce is True and job.max_instances == 1
            assert job.misfire_grace_time >= 60
            assert job.args == (job_id,)  # a name; settings (secrets) are read at run time
        assert jobs["arrangements"].trigger.fields[5].expressions[0].first == 2  # 02:05 UTC
    finally:
        sched.shutdown(wait=False)
    # A restart with another interval replaces each stored job (same id, the new trigger) instead
    # of keeping the old one or adding a second copy.
    again = scheduler_module.build_scheduler(
        replace(settings, reminder_interval_seconds=120), BackgroundScheduler
    )
    again.start(paused=True)
    try:
        assert again.get_job("plan").trigger.interval == timedelta(seconds=120)
    finally:
        again.shutdown(wait=False)
    engine = engine_for(database_url)
    assert "apscheduler_jobs" in inspect(engine).get_table_names()
    with engine.connect() as conn:
        stored = [row[0] for row in conn.execute(text("SELECT id FROM apscheduler_jobs"))]
    assert sorted(stored) == sorted(set(jobs)) and set(stored) >= JOB_IDS


def test_it_runs_a_job_by_name_with_settings_from_the_environment(settings, monkeypatch):
    seen = []
    monkeypatch.setitem(scheduler_module.JOBS, "plan", lambda s, now: seen.append(s.database_url))
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    scheduler_module.run_job("plan")
    assert seen == [settings.database_url]


def test_it_stops_cleanly_on_sigterm(database_url):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "REMINDER_INTERVAL_SECONDS": "3600",
    }
    proc = subprocess.Popen(
        [sys.executable, "scheduler.py"],
        cwd=servers.ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        lines = []
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "scheduler started" in line:
                break
        assert any("scheduler started" in line for line in lines), "".join(lines)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, out
    assert "shutting down" in out and "Traceback" not in out
