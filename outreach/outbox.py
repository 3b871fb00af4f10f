"""Dispatching the outbox: claim -> (per row, concurrently) stop check -> policy -> log -> send.

Claims are atomic (PostgreSQL ``FOR UPDATE SKIP LOCKED``; a conditional UPDATE on SQLite), so two
dispatchers never take the same row. Each row is then delivered by ``outreach.delivery.deliver``
on a worker thread with its own session: the message row (unique ``dedupe_key``) is committed,
and the outbox row linked to it, before the provider call, so a crash can never send twice; a row
left ``sending`` is reconciled on the next pass (back to the queue when no message was written).
Provider latency is hidden by concurrency (``DISPATCH_WORKERS``, default 32) while per-sender
rate limits (``rate_limits`` in config/campaigns.yaml) are respected by a shared token bucket.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, create_engine, event, select, update
from sqlalchemy.orm import Session, sessionmaker

from . import audit
from .campaign_config import CampaignConfig, load_config
from .channels import ChannelError, get_channel
from .db import _sqlite_pragmas
from .delivery import batch_stop_reasons, deliver, stop
from .models import Message, OutboxItem
from .settings import Settings

log = logging.getLogger(__name__)
STALE_CLAIM = timedelta(minutes=10)
BATCH = 1000


@dataclass
class DispatchReport:
    claimed: int = 0
    sent: int = 0
    deferred: int = 0
    cancelled: int = 0
    failed: int = 0
    retried: int = 0
    reconciled: int = 0


class RateLimiter:
    """Token buckets keyed by channel (and sender): ``acquire`` blocks until a send is allowed."""

    def __init__(self, rates: dict[str, float], senders: dict[str, str] | None = None) -> None:
        self.rates = rates
        self.senders = senders or {}
        self.lock = threading.Lock()
        self.next_free: dict[str, float] = {}

    def acquire(self, channel: str) -> None:
        sender = self.senders.get(channel, "")
        key = f"{channel}:{sender}"
        rate = self.rates.get(key) or self.rates.get(channel)
        if not rate:
            return
        with self.lock:
            now = time.monotonic()
            slot = max(now, self.next_free.get(key, now))
            self.next_free[key] = slot + 1.0 / rate
        if slot > now:
            time.sleep(slot - now)


def limiter_for(settings: Settings, config: CampaignConfig) -> RateLimiter:
    return RateLimiter(
        config.rate_limits,
        {
            "sms": settings.twilio_sms_from,
            "whatsapp": settings.twilio_whatsapp_from,
            "email": settings.mail_from,
        },
    )


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
    claimed = []
    for item_id in list(session.scalars(due)):
        # Conditional update, one row at a time: rowcount says whether *this* dispatcher moved
        # it (SQLite serialises writers, so exactly one of two racing dispatchers sees 1).
        result = session.execute(
            update(OutboxItem)
            .where(OutboxItem.id == item_id, OutboxItem.status == "pending")
            .values(status="sending", claimed_at=now)
        )
        if result.rowcount == 1:
            claimed.append(item_id)
    session.commit()
    return claimed


def stale_after() -> timedelta:
    """How long a claim may stay ``sending`` before reconcile treats its dispatcher as dead
    (``OUTBOX_STALE_SECONDS``, default 600: far longer than one batch takes)."""
    try:
        return timedelta(seconds=float(os.environ.get("OUTBOX_STALE_SECONDS", "600")))
    except ValueError:
        return STALE_CLAIM


def _ask_provider(settings: Settings | None, msg: Message) -> str | bool | None:
    """The provider's SID for a message we lost track of; None if it never arrived; False if
    the provider cannot be asked (email, sandbox, outage)."""
    if settings is None or msg.channel not in ("sms", "whatsapp") or settings.demo_mode:
        return False
    channel = get_channel(settings, msg.channel)
    try:
        return channel.find_sent(msg.address, msg.body, msg.created_at - timedelta(minutes=1))
    except ChannelError:
        return False


def reconcile(session: Session, now: datetime, settings: Settings | None = None) -> int:
    """Rows left ``sending`` by a crashed dispatcher, so nothing is sent twice or lost.

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
            sid = _ask_provider(settings, msg)
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


def _maybe_sent(session: Session, item_id: int) -> bool:
    """The row's message was logged ``sending`` (so the provider call may have happened)."""
    msg_id = session.scalar(select(OutboxItem.message_id).where(OutboxItem.id == item_id))
    if msg_id is None:
        return False
    return session.scalar(select(Message.status).where(Message.id == msg_id)) == "sending"


def _worker_engine(bind: Engine) -> Engine:
    """PostgreSQL: the app's engine. SQLite: one whose transactions start with BEGIN IMMEDIATE,
    so concurrent workers queue for the write lock (busy_timeout) instead of failing with
    "database is locked" when a read snapshot cannot be upgraded to a write."""
    if bind.dialect.name != "sqlite":
        return bind
    return _immediate_engine(bind.url.render_as_string(hide_password=False))


@lru_cache(maxsize=8)
def _immediate_engine(url: str) -> Engine:
    engine = create_engine(
        url, connect_args={"check_same_thread": False}, pool_size=10, max_overflow=20
    )

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, record: Any) -> None:
        _sqlite_pragmas(dbapi_connection, record)
        dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" below starts them

    # One writer at a time inside this process: threads queue on a lock (cheap, fair enough)
    # instead of all polling SQLite's busy handler, which starves some past busy_timeout.
    lock = threading.Lock()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        lock.acquire()
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            lock.release()
            raise

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _end(conn: Any) -> None:
        if lock.locked():
            lock.release()

    return engine


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
    workers: int | None = None,
    limit: int = BATCH,
) -> DispatchReport:
    """One dispatcher pass: reconcile stale claims, claim due rows, deliver them concurrently."""
    config = load_config()
    factory = sessionmaker(bind=_worker_engine(session.get_bind()), expire_on_commit=False)
    with factory() as claimer:  # on SQLite: BEGIN IMMEDIATE, so racing claims queue, not fail
        report = DispatchReport(reconciled=reconcile(claimer, now, settings))
        ids = claim_due(claimer, now, limit)
        stops = batch_stop_reasons(claimer, ids)
        claimer.commit()
    report.claimed = len(ids)
    limiter = limiter_for(settings, config)
    lock = threading.Lock()
    outcomes = {
        "sent": "sent",
        "deferred": "deferred",
        "cancelled": "cancelled",
        "failed": "failed",
        "retry": "retried",
    }

    def work(item_id: int) -> None:
        try:
            _work(item_id)
        except Exception:  # never lose the batch; the row stays ``sending`` for reconcile
            log.exception("outbox row %s left for reconcile", item_id)
            with lock:
                report.failed += 1

    def _work(item_id: int) -> None:
        with factory() as worker:
            try:
                item = worker.get(OutboxItem, item_id)
                if item_id in stops:
                    outcome = stop(worker, item, stops[item_id])
                else:
                    outcome = deliver(worker, settings, config, item, now, limiter, checked=True)
            except Exception:
                # One bad row must not stop the batch; it goes back to the queue for later.
                log.exception("dispatch failed for outbox row %s", item_id)
                worker.rollback()
                try:
                    maybe_sent = _maybe_sent(worker, item_id)
                except Exception:
                    log.exception("outbox row %s left for reconcile", item_id)
                    maybe_sent = True  # unknown: leave it ``sending`` for reconcile
                if maybe_sent:
                    # The provider may have the message already: never requeue it; the row
                    # stays ``sending`` and reconcile() marks it unconfirmed for review.
                    outcome = "failed"
                    with lock:
                        report.failed += 1
                    return
                worker.execute(
                    update(OutboxItem)
                    .where(OutboxItem.id == item_id)
                    .values(status="pending", not_before=now + timedelta(minutes=5))
                )
                worker.commit()
                outcome = "retry"
        with lock:
            name = outcomes[outcome]
            setattr(report, name, getattr(report, name) + 1)

    n = min(workers or _workers(), max(len(ids), 1))
    if n == 1:
        for item_id in ids:
            work(item_id)
    else:
        with ThreadPoolExecutor(max_workers=n, thread_name_prefix="dispatch") as pool:
            list(pool.map(work, ids))
    session.expire_all()
    log.info("dispatch: %s", report)
    return report
