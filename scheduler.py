"""The scheduler process: a few recurring jobs with fixed ids, in UTC, never inside web workers.

Run with ``python scheduler.py`` (``make run`` starts it). SIGTERM and Ctrl-C stop it cleanly,
letting a running job finish.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import select

from outreach.db import session_scope
from outreach.models import Heartbeat, utcnow
from outreach.outbox import dispatch
from outreach.reminders import plan_reminders
from outreach.settings import Settings

log = logging.getLogger("scheduler")


def heartbeat(settings: Settings) -> None:
    """Tell /healthz the scheduler is alive."""
    with session_scope(settings.database_url) as session:
        beat = session.scalar(select(Heartbeat).where(Heartbeat.name == "scheduler"))
        if beat is None:
            session.add(Heartbeat(name="scheduler", beat_at=utcnow()))
        else:
            beat.beat_at = utcnow()


def plan(settings: Settings) -> None:
    """Queue the reminders that are due (idempotent: re-planning never duplicates)."""
    with session_scope(settings.database_url) as session:
        plan_reminders(session, settings, utcnow())


def dispatch_outbox(settings: Settings) -> None:
    """Send what the policy allows now; defer or cancel the rest."""
    with session_scope(settings.database_url) as session:
        dispatch(session, settings, utcnow())


def build_scheduler(settings: Settings) -> BlockingScheduler:
    scheduler = BlockingScheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
    )
    scheduler.add_job(heartbeat, "interval", seconds=30, id="heartbeat", replace_existing=True,
                      args=[settings], next_run_time=utcnow())
    scheduler.add_job(plan, "interval", seconds=settings.reminder_interval_seconds,
                      id="plan", replace_existing=True, args=[settings], next_run_time=utcnow())
    scheduler.add_job(dispatch_outbox, "interval", seconds=30, id="dispatch",
                      replace_existing=True, args=[settings], next_run_time=utcnow())
    return scheduler


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    scheduler = build_scheduler(settings)

    def stop(signum: int, _frame: Any) -> None:
        log.info("signal %s: shutting down after running jobs finish", signum)
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    log.info("scheduler started (jobs: %s)", ", ".join(j.id for j in scheduler.get_jobs()))
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: a clean stop, not a traceback
        scheduler.start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
