"""Dispatching the outbox: claim -> re-check policy -> log -> send -> record.

Claims are atomic (PostgreSQL ``FOR UPDATE SKIP LOCKED``; a conditional UPDATE on SQLite), so two
dispatchers never take the same row. The message row carries the outbox key as its unique
``dedupe_key`` and is written before the provider call, so a crash can never send twice.
A blocked message is deferred to ``next_allowed_at`` or, when time cannot lift the block, cancelled
and logged as blocked: never dropped silently.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import audit
from .contact_policy import check_contact
from .messaging import record_blocked, send_message
from .models import Message, OutboxItem
from .settings import Settings

log = logging.getLogger(__name__)
STALE_CLAIM = timedelta(minutes=10)


@dataclass
class DispatchReport:
    claimed: int = 0
    sent: int = 0
    deferred: int = 0
    cancelled: int = 0
    failed: int = 0
    reconciled: int = 0


def claim_due(session: Session, now: datetime, limit: int = 200) -> list[int]:
    """Atomically mark up to ``limit`` due rows as ``sending`` and return their ids."""
    due = (select(OutboxItem.id)
           .where(OutboxItem.status == "pending", OutboxItem.not_before <= now)
           .order_by(OutboxItem.not_before, OutboxItem.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        ids = list(session.scalars(due.with_for_update(skip_locked=True)))
        if ids:
            session.execute(update(OutboxItem).where(OutboxItem.id.in_(ids))
                            .values(status="sending", claimed_at=now))
        session.commit()
        return ids
    claimed = []
    for item_id in list(session.scalars(due)):
        result = session.execute(update(OutboxItem)
                                 .where(OutboxItem.id == item_id, OutboxItem.status == "pending")
                                 .values(status="sending", claimed_at=now))
        if result.rowcount == 1:  # another dispatcher did not take it first
            claimed.append(item_id)
    session.commit()
    return claimed


def dispatch_one(session: Session, settings: Settings, item: OutboxItem, now: datetime,
                 report: DispatchReport) -> None:
    item.attempts += 1
    decision = check_contact(session, item.borrower, item.channel, now)
    item.last_decision = decision
    if decision["allowed"]:
        msg = send_message(session, settings, channel=item.channel, address=item.address,
                           body=item.body, sender="scheduler", borrower_id=item.borrower_id,
                           loan_id=item.loan_id, template=item.template, decision=decision,
                           dedupe_key=item.idempotency_key)
        item.message_id = msg.id
        item.status = "failed" if msg.status == "failed" else "sent"
        report.sent += item.status == "sent"
        report.failed += item.status == "failed"
    elif decision.get("next_allowed_at"):
        item.status = "pending"
        item.not_before = datetime.fromisoformat(decision["next_allowed_at"].replace("Z", "+00:00"))
        audit.record(session, "scheduler", "outbox.deferred", subject=f"outbox:{item.id}",
                     borrower_id=item.borrower_id,
                     details={"reasons": decision["reasons"],
                              "next_allowed_at": decision["next_allowed_at"],
                              "rules_version": decision.get("rules_version")})
        report.deferred += 1
    else:
        msg = record_blocked(session, channel=item.channel, address=item.address, body=item.body,
                             sender="scheduler", decision=decision, borrower_id=item.borrower_id,
                             loan_id=item.loan_id, template=item.template,
                             dedupe_key=item.idempotency_key)
        item.message_id = msg.id
        item.status = "cancelled"
        report.cancelled += 1
    session.commit()


def reconcile(session: Session, now: datetime) -> int:
    """Rows left ``sending`` by a crashed dispatcher: link the message if it was written,
    otherwise put the row back in the queue. Never sends anything itself."""
    stale = session.scalars(select(OutboxItem).where(OutboxItem.status == "sending",
                                                     OutboxItem.claimed_at < now - STALE_CLAIM))
    count = 0
    for item in stale:
        msg = session.scalar(select(Message).where(Message.dedupe_key == item.idempotency_key))
        if msg is None:
            item.status = "pending"
        else:
            item.message_id = msg.id
            item.status = {"blocked": "cancelled", "failed": "failed"}.get(msg.status, "sent")
        count += 1
    session.commit()
    return count


def dispatch(session: Session, settings: Settings, now: datetime) -> DispatchReport:
    """One dispatcher pass over every due outbox row."""
    report = DispatchReport(reconciled=reconcile(session, now))
    ids = claim_due(session, now)
    report.claimed = len(ids)
    for item_id in ids:
        item = session.get(OutboxItem, item_id)
        try:
            dispatch_one(session, settings, item, now, report)
        except Exception:
            # One bad row must not stop the batch; it goes back to the queue for the next pass.
            log.exception("dispatch failed for outbox row %s", item_id)
            session.rollback()
            session.execute(update(OutboxItem).where(OutboxItem.id == item_id)
                            .values(status="pending", not_before=now + timedelta(minutes=5)))
            session.commit()
    log.info("dispatch: %s", report)
    return report
