"""The inbound worker: runs the queued turns (``inbound_queue``) the webhooks left for it.

``python inbound_worker.py`` (the Procfile's ``worker``) runs ``INBOUND_WORKER_THREADS`` threads
(default: one per Rasa call slot, ``RASA_MAX_CONCURRENT`` x the Rasa servers, so a turn never
finds every slot taken and the borrower is never told "busy" by the worker itself). Any number
of worker processes may run, on any machine: the queue's holds keep one conversation's messages
in order and each message to one holder.

Stopping: SIGTERM or Ctrl-C lets each thread finish the turn it holds. kill -9 is safe too: the
held job is taken over once its hold runs out (``INBOUND_LEASE_SECONDS``), without a second
answer to the borrower (``inbound_queue.already_answered``).
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import select

from outreach import clock
from outreach.audit import log as audit
from outreach.channels import Channels
from outreach.conversations.inbound import route_held
from outreach.conversations.inbound_queue import MAX_ATTEMPTS, claim_next, finish, release
from outreach.conversations.rasa_client import RasaClient
from outreach.db import session_scope
from outreach.models import InboundJob
from outreach.settings import Settings

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 0.2  # how soon an idle worker looks again: the floor of a queued reply's wait
RETRY_SECONDS = 5.0  # back-off after a turn raised (the database went away, a bug)


def work_once(
    settings: Settings, rasa: RasaClient, channels: Channels, now_unix: float | None = None
) -> bool:
    """Take one job and run it; False when there was nothing to take."""
    with session_scope(settings.database_url) as session:
        held = claim_next(session, settings.inbound_lease_seconds, now_unix)
        if held is None:
            return False
        try:
            route_held(session, settings, rasa, channels, held)
        except Exception as exc:
            session.rollback()
            reason = type(exc).__name__
            attempts = session.scalar(
                select(InboundJob.attempts).where(InboundJob.id == held.job_id)
            )
            log.exception("inbound job %s failed (attempt %s): %s", held.job_id, attempts, reason)
            if attempts is not None and attempts >= MAX_ATTEMPTS:
                job = session.get(InboundJob, held.job_id)
                audit.record(
                    session,
                    "system",
                    "inbound.failed",
                    subject=f"message:{job.message_id}" if job else f"inbound_job:{held.job_id}",
                    details={"attempts": attempts, "error": reason},
                )
                finish(session, held, "failed", reason)
            else:
                release(session, held, reason, clock.unix_seconds() + RETRY_SECONDS)
        return True


def run(
    settings: Settings,
    rasa: RasaClient,
    channels: Channels,
    stop: threading.Event,
    threads: int | None = None,
) -> list[threading.Thread]:
    """Start the worker threads; they run until ``stop`` is set. Returns them (to join)."""
    count = threads or settings.rasa_max_concurrent * len(rasa.urls)

    def loop() -> None:
        while not stop.is_set():
            try:
                busy = work_once(settings, rasa, channels)
            except Exception:
                log.exception("inbound worker: could not take a job")
                busy = False
            if not busy:
                stop.wait(IDLE_POLL_SECONDS)

    started = [
        threading.Thread(target=loop, name=f"inbound-{n}", daemon=True) for n in range(count)
    ]
    for thread in started:
        thread.start()
    log.info("inbound worker: %d threads over %d Rasa server(s)", count, len(rasa.urls))
    return started
