"""The scheduler process: a few recurring jobs with fixed ids, in UTC, never inside web workers.

Run with ``python scheduler.py`` (``make run`` starts it). Any number may run: one leads and runs
the jobs, the others stand by and take over within 30 s of the leader's death (``outreach.leader``).
SIGTERM and Ctrl-C stop it cleanly, letting a running job finish, and hand the leadership over.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import threading
from datetime import datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_PAUSED
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import select

from outreach import clock, logs
from outreach.campaigns.planner import plan as plan_due
from outreach.channels import ChannelRegistry
from outreach.conversations.rasa_client import RasaClient
from outreach.db import session_scope
from outreach.models import Heartbeat
from outreach.outbox.dispatcher import dispatch, reconcile
from outreach.settings import Settings

log = logging.getLogger("scheduler")


def heartbeat(settings: Settings, now: datetime) -> None:
    """Tell /healthz the scheduler is alive."""
    with session_scope(settings.database_url) as session:
        beat = session.scalar(select(Heartbeat).where(Heartbeat.name == "scheduler"))
        if beat is None:
            session.add(Heartbeat(name="scheduler", beat_at=now))
        else:
            beat.beat_at = now


def plan(settings: Settings, now: datetime) -> None:
    """Queue the reminders that are due (idempotent: re-planning never duplicates)."""
    with session_scope(settings.database_url) as session:
        plan_due(session, now)


def dispatch_outbox(settings: Settings, now: datetime) -> None:
    """Send what the policy allows now; defer or cancel the rest."""
    with session_scope(settings.database_url) as session:
        dispatch(session, settings, now, channels=ChannelRegistry(settings))


def retention(settings: Settings, now: datetime) -> None:
    """Nightly: a full audit-chain verification, then the retention purge (legal holds skipped)."""
    from outreach.audit import chain as audit_chain
    from outreach.audit.retention import purge

    with session_scope(settings.database_url) as session:
        point = audit_chain.verify(session, full=True)
        if point.broken_id is not None:
            log.error("audit chain broken at event #%s", point.broken_id)
        report = purge(session, now)
        log.info("retention purge: %s", report.as_dict())


def reconcile_outbox(settings: Settings, now: datetime) -> None:
    """Put rows a crashed dispatcher left ``sending`` back in order (never sends)."""
    with session_scope(settings.database_url) as session:
        reconcile(session, now, ChannelRegistry(settings))


def resume_bots(settings: Settings, now: datetime) -> None:
    """Retry handing conversations back to Rasa that a failed resume left paused there
    (security finding 6): until then their borrowers are told the bot is unavailable."""
    from outreach.conversations.resume import retry_pending_resumes

    with session_scope(settings.database_url) as session:
        retry_pending_resumes(session, RasaClient.from_settings(settings))


def review(settings: Settings, now: datetime) -> None:
    """Mark instalments, plans and promises kept or broken from the payments received."""
    from outreach.arrangements.review import review_arrangements

    with session_scope(settings.database_url) as session:
        review_arrangements(session, now)


def deliver_events(settings: Settings, now: datetime) -> None:
    """POST the lender's due webhook events (signed, in order per borrower, retried)."""
    from outreach.integrations.webhooks.worker import deliver

    deliver(settings, now)


def replay_inbound_spool(settings: Settings, now: datetime) -> None:
    """Store the inbound messages webhooks spooled while the database could not take them."""
    from outreach.conversations.spool import replay

    replay(settings, RasaClient.from_settings(settings), ChannelRegistry(settings))


def query_stk(settings: Settings, now: datetime) -> None:
    """Ask Daraja about M-Pesa prompts whose result callback has not come; expire stale ones
    (a Daraja that is down leaves them pending: the next run asks again)."""
    from outreach.payments.stk_query import query_pending

    with session_scope(settings.database_url) as session:
        report = query_pending(session, settings, ChannelRegistry(settings), now)
        if report.settled or report.expired:
            log.info(
                "stk query: %s settled, %s expired, %s still processing",
                len(report.settled),
                len(report.expired),
                len(report.processing),
            )


def file_drops(settings: Settings, now: datetime) -> None:
    """Process new loan books and payment files in FILE_DROP_URL (a folder or SFTP)."""
    from outreach.integrations.file_drops.poll import poll

    if not settings.file_drop_url:
        return
    with session_scope(settings.database_url) as session:
        report = poll(session, settings, ChannelRegistry(settings), now)
        log.info("file drops: %s", report.summary())


def file_export(settings: Settings, now: datetime) -> None:
    """Daily: drop yesterday's arrangements and events (and any day missed) in the outbox."""
    from outreach.integrations.file_drops.export import run_export

    if not settings.file_drop_url:
        return
    with session_scope(settings.database_url) as session:
        days = run_export(session, settings, now)
        log.info("file export: %s", ", ".join(d.isoformat() for d in days) or "nothing due")


def fineract(settings: Settings, now: datetime) -> None:
    """Fineract: pending hooks, pull the book, push promises and plans back."""
    from outreach.integrations.fineract.sync import sync

    if not settings.fineract_url:
        return
    with session_scope(settings.database_url) as session:
        report = sync(session, settings, ChannelRegistry(settings), now)
        log.info("fineract: %s; %s", report.pulled.summary(), report.pushed.summary())


def stages(settings: Settings, now: datetime) -> None:
    """Nightly: move accounts between stages by config/stages.yaml (issue 18); a move into
    pre_legal lands in the supervisors' review queue; a move into late queues the notice of
    arrears for the next print batch."""
    from outreach.letters.auto import queue_stage_letters
    from outreach.stages.evaluate import evaluate_stages

    with session_scope(settings.database_url) as session:
        report = evaluate_stages(session, now)
        log.info("stages: %s", report.summary())
        queued = queue_stage_letters(session, settings, report, now)
        log.info("stages: %s letters queued for printing", queued)


def loan_snapshot(settings: Settings, now: datetime) -> None:
    """Append today's days-past-due row per loan (roll rates, cure rate and the risk model's
    labels need the history the loans table overwrites); a second run the same day adds none."""
    from outreach.audit.snapshots import take_snapshot

    with session_scope(settings.database_url) as session:
        added = take_snapshot(session, now)
        if added:
            log.info("loan snapshot: %s loans", added)


def weekly_report(settings: Settings, now: datetime) -> None:
    """Mail the weekly portfolio and officer report (PDF + CSV) to supervisors, once a week."""
    from outreach.audit.kpi_config import kpi_config
    from outreach.reports.weekly import send_weekly

    with session_scope(settings.database_url) as session:
        result = send_weekly(session, ChannelRegistry(settings), now, kpi_config())
        if result["sent"] or result["failed"]:
            log.info(
                "weekly report %s: %s sent, %s failed",
                result["week"],
                len(result["sent"]),
                len(result["failed"]),
            )


def risk_score(settings: Settings, now: datetime) -> None:
    """Score every open loan with the latest trained risk model (none trained: nothing)."""
    from outreach.audit.kpi_config import kpi_config
    from outreach.risk.scoring import score_all

    with session_scope(settings.database_url) as session:
        scored = score_all(session, now, kpi_config())
        if scored:
            log.info("risk score: %s loans", scored)


JOBS = {
    "heartbeat": heartbeat,
    "plan": plan,
    "dispatch": dispatch_outbox,
    "reconcile": reconcile_outbox,
    "resume": resume_bots,
    "arrangements": review,
    "retention": retention,
    "inbound_spool": replay_inbound_spool,
    "stk_query": query_stk,
    "events": deliver_events,
    "file_drops": file_drops,
    "file_export": file_export,
    "fineract": fineract,
    "stages": stages,
    "loan_snapshot": loan_snapshot,
    "weekly_report": weekly_report,
    "risk_score": risk_score,
}


def run_job(name: str) -> None:
    """What the job store keeps: a job *name*. Settings are read from the environment when the
    job runs, so no secret is ever pickled into the database. The job reads the clock once and
    passes that instant down."""
    JOBS[name](Settings.from_env(), clock.now())


def build_scheduler(settings: Settings, scheduler_class: type = BlockingScheduler) -> Any:
    """Jobs persist in the ``apscheduler_jobs`` table (SQLAlchemy job store), fixed ids, UTC,
    coalescing (a backlog of missed runs runs once) and a misfire grace period."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    from outreach.db import engine_for

    scheduler = scheduler_class(
        timezone="UTC",
        jobstores={"default": SQLAlchemyJobStore(engine=engine_for(settings.database_url))},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
    )
    now = clock.now()
    # (job id, trigger, trigger fields, extra options): interval jobs also run once at start-up;
    # the nightly jobs get a longer misfire grace so a restart in the night still runs them.
    schedule: list[tuple[str, str, dict[str, int], dict[str, Any]]] = [
        ("heartbeat", "interval", {"seconds": 30}, {"next_run_time": now}),
        (
            "plan",
            "interval",
            {"seconds": settings.reminder_interval_seconds},
            {"next_run_time": now},
        ),
        ("dispatch", "interval", {"seconds": 30}, {"next_run_time": now}),
        ("reconcile", "interval", {"minutes": 5}, {"next_run_time": now}),
        ("inbound_spool", "interval", {"seconds": 30}, {"next_run_time": now}),
        ("events", "interval", {"seconds": 10}, {"next_run_time": now}),
        ("resume", "interval", {"minutes": 1}, {"next_run_time": now}),
        ("stk_query", "interval", {"minutes": 1}, {"next_run_time": now}),
        (
            "file_drops",
            "interval",
            {"seconds": settings.file_drop_poll_seconds},
            {"next_run_time": now},
        ),
        (
            "fineract",
            "interval",
            {"seconds": settings.fineract_sync_seconds},
            {"next_run_time": now},
        ),
        # Both idempotent (one snapshot per loan per day, one report per week): hourly runs
        # catch up after any restart without a long misfire window.
        ("loan_snapshot", "interval", {"hours": 1}, {"next_run_time": now}),
        ("weekly_report", "interval", {"hours": 1}, {"next_run_time": now}),
        ("risk_score", "cron", {"hour": 1, "minute": 15}, {"misfire_grace_time": 20 * 3600}),
        ("arrangements", "cron", {"hour": 2, "minute": 5}, {"misfire_grace_time": 6 * 3600}),
        # After midnight UTC, once the day is over; a restart late in the day still exports.
        ("file_export", "cron", {"hour": 0, "minute": 30}, {"misfire_grace_time": 20 * 3600}),
        ("retention", "cron", {"hour": 3, "minute": 17}, {"misfire_grace_time": 3600}),
        # After the arrangements review (02:05), which marks the broken plans the rules count.
        ("stages", "cron", {"hour": 2, "minute": 35}, {"misfire_grace_time": 6 * 3600}),
    ]
    for job_id, trigger, fields, options in schedule:
        scheduler.add_job(
            run_job, trigger, id=job_id, replace_existing=True, args=[job_id], **fields, **options
        )
    return scheduler


def lead(settings: Settings, stopping: threading.Event) -> None:
    """Stand for election every few seconds; run the jobs only while this process leads.

    Any number of scheduler processes may run (a standby on another machine, say): exactly one
    runs jobs at a time (``outreach.leader``). The job scheduler is built the first time this
    process leads, paused whenever it stops leading and resumed when it leads again."""
    from outreach.leader import Leadership

    leadership = Leadership(settings.database_url)
    scheduler: Any = None
    log.info("scheduler started, standing for leader (pid %s)", leadership.pid)
    try:
        while not stopping.is_set():
            leads = leadership.hold(clock.now())
            if leads and scheduler is None:
                scheduler = build_scheduler(settings, BackgroundScheduler)
                scheduler.start()
                log.info("leader: running jobs (%s)", ", ".join(j.id for j in scheduler.get_jobs()))
            elif leads and scheduler.state == STATE_PAUSED:
                scheduler.resume()
                log.info("leader again: jobs resumed")
            elif not leads and scheduler is not None and scheduler.state != STATE_PAUSED:
                scheduler.pause()  # a job already running finishes; no new one starts
                log.info("standby: jobs paused")
            stopping.wait(leadership.renew_every.total_seconds())
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=True)  # lets a running job (a dispatch batch) finish
        leadership.release(clock.now())


def main() -> int:
    logs.configure()  # the jobs send SMS and email: same redaction and quieting as the web app
    settings = Settings.from_env()
    stopping = threading.Event()

    def stop(signum: int, _frame: Any) -> None:
        log.info("signal %s: shutting down after running jobs finish", signum)
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: a clean stop, not a traceback
        lead(settings, stopping)
    return 0


if __name__ == "__main__":
    sys.exit(main())
