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

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from . import audit
from .campaign_config import CampaignConfig, load_config
from .delivery import deliver
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
    candidates = list(session.scalars(due))
    claimed = []
    for start in range(0, len(candidates), 500):
        chunk = candidates[start : start + 500]
        session.execute(
            update(OutboxItem)
            .where(OutboxItem.id.in_(chunk), OutboxItem.status == "pending")
            .values(status="sending", claimed_at=now)
        )
        # Only rows this transaction moved carry our claim time and are still ``sending``;
        # SQLite serialises writers, so no other dispatcher can claim between these statements.
        claimed += list(
            session.scalars(
                select(OutboxItem.id).where(
                    OutboxItem.id.in_(chunk),
                    OutboxItem.status == "sending",
                    OutboxItem.claimed_at == now,
                )
            )
        )
    session.commit()
    return claimed


def reconcile(session: Session, now: datetime) -> int:
    """Rows left ``sending`` by a crashed dispatcher. A linked message means the provider call
    may have happened: never resend it (the row takes the message's outcome; a message still
    ``sending`` is marked ``unconfirmed`` for review). No message: back to the queue."""
    stale = session.scalars(
        select(OutboxItem).where(
            OutboxItem.status == "sending", OutboxItem.claimed_at < now - STALE_CLAIM
        )
    )
    count = 0
    for item in stale:
        msg = session.get(Message, item.message_id) if item.message_id else None
        if msg is None:
            item.status = "pending"
        else:
            if msg.status == "sending":
                msg.status = "unconfirmed"
                audit.record(
                    session,
                    "scheduler",
                    "message.unconfirmed",
                    subject=f"message:{msg.id}",
                    borrower_id=msg.borrower_id,
                    details={"outbox": item.id},
                )
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
    report = DispatchReport(reconciled=reconcile(session, now))
    ids = claim_due(session, now, limit)
    report.claimed = len(ids)
    factory = sessionmaker(bind=session.get_bind(), expire_on_commit=False)
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
        with factory() as worker:
            item = worker.get(OutboxItem, item_id)
            try:
                outcome = deliver(worker, settings, config, item, now, limiter)
            except Exception:
                # One bad row must not stop the batch; it goes back to the queue for later.
                log.exception("dispatch failed for outbox row %s", item_id)
                worker.rollback()
                if _maybe_sent(worker, item_id):
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
