"""The dispatcher: claim due outbox rows, then prepare, send and record them in a pipeline.

Claims are atomic (PostgreSQL ``FOR UPDATE SKIP LOCKED``; on SQLite the claim runs in a
``BEGIN IMMEDIATE`` transaction, so racing dispatchers queue), so two dispatchers never take the
same row. Each claimed chunk is decided and logged in one transaction
(``outreach.outbox.batch``): the message rows are committed ``sending`` before any
provider call, so a crash can never send twice; a row left ``sending`` is reconciled on a later
pass. Provider calls run on worker threads (``DISPATCH_WORKERS``, default 32) that touch no
database, so provider latency is hidden; replies are recorded a handful per transaction while the
next chunk is prepared. Per-sender rate limits (``rate_limits`` in config/campaigns.yaml) hold
across every dispatcher process: send slots are reserved in the database (``outreach.outbox.send_rate``).
"""

from __future__ import annotations

import logging
import os
import queue
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from outreach.audit import log as audit
from outreach.campaigns.config import load_config
from outreach.campaigns.stops import batch_stop_reasons
from outreach.channels import ChannelError, Channels, SendResult, channels_for
from outreach.channels.base import FindsSent
from outreach.models import Message, OutboxItem
from outreach.outbox.batch import prepare
from outreach.outbox.jobs import SendJob
from outreach.outbox.provider_calls import SlotMissed, reslot, send
from outreach.outbox.results import record_results
from outreach.outbox.worker_engine import worker_engine
from outreach.settings import Settings

log = logging.getLogger(__name__)
STALE_CLAIM = timedelta(minutes=10)
BATCH = 1000
# Rows claimed at a time, per worker thread: also how many may wait for a worker at once (the
# messages a crash can leave ``sending`` before their provider call).
CHUNK_PER_WORKER = 4
GATHER_SECONDS = 0.05
GATHER_MAX = 200


@dataclass
class DispatchReport:
    claimed: int = 0
    sent: int = 0
    deferred: int = 0
    cancelled: int = 0
    failed: int = 0
    retried: int = 0
    reconciled: int = 0

    def add(self, counts: Counter[str]) -> None:
        for name, value in counts.items():
            setattr(self, name, getattr(self, name) + value)


def claim_due(session: Session, now: datetime, limit: int = BATCH) -> list[int]:
    """Atomically mark up to ``limit`` due rows as ``sending`` and return their ids."""
    due = (
        select(OutboxItem.id)
        .where(OutboxItem.status == "pending", OutboxItem.not_before <= now)
        .order_by(OutboxItem.not_before, OutboxItem.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        ids = list(session.scalars(due.with_for_update(skip_locked=True)))
        if ids:
            session.execute(
                update(OutboxItem)
                .where(OutboxItem.id.in_(ids))
                .values(status="sending", claimed_at=now)
            )
        session.commit()
        return ids
    # SQLite: the dispatcher's claim session begins with BEGIN IMMEDIATE (``worker_engine``),
    # so this read and the update below hold the write lock together: racing dispatchers queue.
    ids = list(session.scalars(due))
    if ids:
        session.execute(
            update(OutboxItem)
            .where(OutboxItem.id.in_(ids), OutboxItem.status == "pending")
            .values(status="sending", claimed_at=now)
        )
    session.commit()
    return ids


def _still_claimed(session: Session, ids: list[int]) -> list[OutboxItem]:
    """The claimed rows, locked until this batch is decided and committed, that are still ours.

    A payment can cancel a reminder between its claim and its decision (the same second): it
    cancels rows ``sending`` with no message logged yet (``outreach.payments.reminders``). The
    lock makes the two take turns: on PostgreSQL ``FOR UPDATE`` (the payment's cancel waits, then
    sees the message logged and leaves it: already handed over); on SQLite this transaction began
    with ``BEGIN IMMEDIATE``. A row cancelled first is no longer ``sending`` and is skipped."""
    query = (
        select(OutboxItem)
        .where(OutboxItem.id.in_(ids))
        .order_by(OutboxItem.id)
        .execution_options(populate_existing=True)  # the status as committed, not as cached
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return [item for item in session.scalars(query) if item.status == "sending"]


def stale_after() -> timedelta:
    """How long a claim may stay ``sending`` before reconcile treats its dispatcher as dead
    (``OUTBOX_STALE_SECONDS``, default 600: far longer than one batch takes)."""
    try:
        return timedelta(seconds=float(os.environ.get("OUTBOX_STALE_SECONDS", "600")))
    except ValueError:
        return STALE_CLAIM


def _ask_provider(channels: Channels | None, msg: Message) -> str | bool | None:
    """The provider's SID for a message we lost track of; None if it never arrived; False if
    the provider cannot be asked (email, web, sandbox, outage)."""
    if channels is None or msg.channel not in ("sms", "whatsapp"):
        return False
    channel = channels.get(msg.channel)
    if not isinstance(channel, FindsSent):  # the sandbox keeps no list to ask
        return False
    try:
        return channel.find_sent(msg.address, msg.body, msg.created_at - timedelta(minutes=1))
    except ChannelError:
        return False


def reconcile(session: Session, now: datetime, channels: Channels | None = None) -> int:
    """Rows left ``sending`` by a crashed dispatcher, so nothing is sent twice or lost.

    ``channels``: where to ask the provider; without them nothing can be asked (as for email).

    - no message logged: the provider was never called; back to the queue;
    - message logged and finished (sent, failed, blocked): the row takes its outcome;
    - message logged ``sending`` (the crash hit during the provider call): ask the provider
      (Twilio: list messages to that number since then). Found: sent, with its SID. Not found:
      the message is marked failed ("not sent") and the row requeued. Cannot ask (email, an
      outage): the message is marked ``unconfirmed`` for review and never resent.
    """
    stale = session.scalars(
        select(OutboxItem).where(
            OutboxItem.status == "sending", OutboxItem.claimed_at <= now - stale_after()
        )
    )
    count = 0
    for item in stale:
        msg = session.get(Message, item.message_id) if item.message_id else None
        if msg is None:
            item.status = "pending"
        elif msg.status == "sending":
            sid = _ask_provider(channels, msg)
            if sid:
                msg.provider_sid, msg.status, item.status = sid, "sent", "sent"
            elif sid is None:
                msg.status, msg.error = "failed", "not sent: dispatcher stopped before the call"
                item.status = "pending"  # the next attempt logs a new message row
            else:
                msg.status, item.status = "unconfirmed", "sent"
            audit.record(
                session,
                "scheduler",
                "outbox.reconciled",
                subject=f"outbox:{item.id}",
                borrower_id=item.borrower_id,
                details={"message": msg.id, "outcome": msg.status},
            )
        else:
            item.status = {"blocked": "cancelled", "failed": "failed"}.get(msg.status, "sent")
        count += 1
    session.commit()
    return count


def _workers() -> int:
    try:
        return max(1, int(os.environ.get("DISPATCH_WORKERS", "32")))
    except ValueError:
        return 32


def dispatch(
    session: Session,
    settings: Settings,
    now: datetime,
    *,
    channels: Channels | None = None,
    workers: int | None = None,
    limit: int = BATCH,
) -> DispatchReport:
    """One dispatcher pass: reconcile stale claims, then claim up to ``limit`` due rows in chunks
    and deliver them through ``channels``; returns what happened to them.

    The app's CLI and the scheduler hand in their registry. Without one (the benchmark, tests
    that point real Twilio or SMTP clients at a local double) the shared registry for
    ``settings`` is used (``channels_for``): the only fallback left; nothing that answers a
    borrower (``outreach.conversations``, ``send_message``) relies on one."""
    channels = channels or channels_for(settings)
    config = load_config()
    factory = sessionmaker(bind=worker_engine(session.get_bind()), expire_on_commit=False)
    n = workers or _workers()
    chunk = max(1, min(limit, CHUNK_PER_WORKER * n))
    report = DispatchReport()
    replies: queue.SimpleQueue[tuple[SendJob, SendResult | Exception]] = queue.SimpleQueue()

    def send_job(job: SendJob) -> None:
        replies.put((job, send(channels, settings, job)))

    with (
        factory() as db,  # on SQLite: BEGIN IMMEDIATE, so racing claims queue, not fail
        ThreadPoolExecutor(max_workers=n, thread_name_prefix="dispatch") as pool,
    ):
        report.reconciled = reconcile(db, now, channels)
        left, in_flight = limit, 0
        redo: list[OutboxItem] = []
        while True:
            # Keep the workers fed: prepare the next chunk while the last ones are in flight.
            if in_flight < chunk and (redo or left > 0):
                if redo:  # a permanent error on one channel: same attempt, the next channel
                    prepared = prepare(db, settings, config, redo, {}, now, first_round=False)
                    redo = []
                else:
                    ids = claim_due(db, now, min(chunk, left))
                    left = left - len(ids) if ids else 0
                    report.claimed += len(ids)
                    if not ids:
                        continue
                    items = _still_claimed(db, ids)
                    report.cancelled += len(ids) - len(items)
                    if not items:
                        db.commit()
                        continue
                    stops = batch_stop_reasons(db, items, now)
                    prepared = prepare(db, settings, config, items, stops, now)
                report.add(prepared.counts)
                for job in prepared.jobs:
                    pool.submit(send_job, job)
                in_flight += len(prepared.jobs)
                continue
            if in_flight == 0:
                break
            done = _gather(replies)
            missed = [job for job, outcome in done if isinstance(outcome, SlotMissed)]
            if missed:  # still in flight: back to the workers with new slots
                reslot(db, settings, config, missed)
                for job in missed:
                    pool.submit(send_job, job)
                done = [(job, o) for job, o in done if not isinstance(o, SlotMissed)]
            in_flight -= len(done)
            if done:
                more, counts = record_results(db, config, now, done)
                redo.extend(more)
                report.add(counts)
    session.expire_all()
    log.info("dispatch: %s", report)
    return report


def _gather(
    replies: queue.SimpleQueue[tuple[SendJob, SendResult | Exception]],
) -> list[tuple[SendJob, SendResult | Exception]]:
    """The next provider reply, and any more that arrive within ``GATHER_SECONDS``, so replies
    are recorded several to a transaction rather than one commit each."""
    done = [replies.get()]
    deadline = time.monotonic() + GATHER_SECONDS
    while len(done) < GATHER_MAX and (wait := deadline - time.monotonic()) > 0:
        try:
            done.append(replies.get(timeout=wait))
        except queue.Empty:
            break
    return done
