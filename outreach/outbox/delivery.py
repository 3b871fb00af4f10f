"""What the provider tells us after a send: errors acted on, delivery statuses mapped.

Permanent errors are acted on (Twilio 21211 invalid number and an SMTP 5.1.x recipient refusal,
which ``channels.email`` alone reports as a permanent ``smtp5xx``: the contact point is
marked invalid; 21610: marked opted out; 63016: resent as a WhatsApp Content template) and the
next channel is used; transient ones (timeouts, 5xx, 429) are retried with exponential backoff
and full jitter up to ``retry.max_attempts``.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from outreach import events as outbound
from outreach.audit import log as audit
from outreach.campaigns.config import CampaignConfig
from outreach.models import ContactPoint, Message, MessageEvent, OutboxItem

# Twilio 21211/21614 and Africa's Talking 403 InvalidPhoneNumber / 404 UnsupportedNumberType:
# invalid / not a mobile number. Twilio 21610 and Africa's Talking 406 UserInBlacklist: the
# subscriber opted out (outreach.channels.africastalking prefixes its codes with "at:").
INVALID_CODES = {"21211", "21614", "at:403", "at:404"}
OPTED_OUT_CODES = {"21610", "at:406"}
SESSION_CLOSED_CODES = {"63016"}

# Twilio MessageStatus values -> ours. Twilio's "accepted"/"scheduled"/"queued" are all "queued"
# for us; "receiving"/"received" never concern an outbound row.
TWILIO_STATUSES = {
    "accepted": "queued",
    "scheduled": "queued",
    "queued": "queued",
    "sending": "sending",
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
}
FAILURES = ("failed", "undelivered")
# A message's status only moves forward (finding 23): queued < sending < sent < delivered < read,
# with a failure only before delivery (a carrier's late "undelivered" cannot undo a handset's
# "delivered"). Reports that arrive out of order are kept as events and move nothing. Statuses
# outside this order (blocked, unconfirmed) are below all of it.
STATUS_RANK = {
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "failed": 4,
    "undelivered": 4,
    "delivered": 5,
    "read": 6,
}


def backoff(config: CampaignConfig, attempts: int) -> timedelta:
    """Exponential backoff with full jitter: uniform(0, min(max, base * 2**(attempts-1)))."""
    ceiling = min(config.retry_max_seconds, config.retry_base_seconds * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=max(1.0, random.uniform(0, ceiling)))


def mark_point(point: ContactPoint, code: str | None, now: datetime) -> audit.Event | None:
    """Act on a permanent error for this address; returns the audit event to append, if any."""
    if code in OPTED_OUT_CODES:
        point.opted_out_at = point.opted_out_at or now
    elif code in INVALID_CODES or (code or "").startswith("smtp5"):
        point.invalid_at = point.invalid_at or now
    else:
        return None
    return audit.Event(
        "scheduler",
        "contact_point.marked",
        subject=f"contact_point:{point.id}",
        borrower_id=point.borrower_id,
        details={
            "channel": point.channel,
            "code": code,
            "mark": "opted_out" if code in OPTED_OUT_CODES else "invalid",
        },
    )


def newly_opted_out(point: ContactPoint, code: str | None) -> bool:
    """Whether marking ``point`` for ``code`` opts out a number that was not opted out: a
    ``contact.opted_out`` event for the lender (``via`` carrier)."""
    return code in OPTED_OUT_CODES and point.opted_out_at is None


def on_delivery_error(
    session: Session, msg: Any, code: str | None, now: datetime
) -> list[ContactPoint]:
    """A status callback reported a failure: act on the address, and give the outbox row its
    next chance (63016: the approved WhatsApp template; 21211/21610: the next channel).
    Returns the contact points it newly opted out (audited; the caller emits their events
    after, so the audit chain's lock is always taken before an event sequence's)."""
    events: list[audit.Event] = []
    opted_out: list[ContactPoint] = []
    point = session.scalar(
        select(ContactPoint).where(
            ContactPoint.borrower_id == msg.borrower_id,
            ContactPoint.channel == msg.channel,
            ContactPoint.address == msg.address,
        )
    )
    if point is not None and newly_opted_out(point, code):
        opted_out.append(point)
    if point is not None and (event := mark_point(point, code, now)) is not None:
        events.append(event)
    item = session.scalar(select(OutboxItem).where(OutboxItem.message_id == msg.id))
    if item is not None and item.status == "sent":
        payload = dict(item.payload or {})
        requeue = True
        if code in SESSION_CLOSED_CODES and not payload.get("whatsapp_template"):
            payload["whatsapp_template"] = True
        elif code in INVALID_CODES | OPTED_OUT_CODES:
            payload["tried"] = [*payload.get("tried", []), msg.channel]
        else:
            requeue = False
        if requeue:
            item.payload, item.status, item.not_before = payload, "pending", now
            events.append(
                audit.Event(
                    "scheduler",
                    "outbox.requeued",
                    subject=f"outbox:{item.id}",
                    borrower_id=item.borrower_id,
                    details={"code": code, "channel": msg.channel},
                )
            )
    audit.record_many(session, events)
    return opted_out


def record_report(
    session: Session, msg: Message, reported: str, error_code: str | None, now: datetime
) -> bool:
    """Keep one provider status report for ``msg`` and move its status if the report is news.

    Each distinct report (same message, status and error code) is stored once, however often
    the provider posts it; a report is acted on (the status moved, a failure's address and
    outbox row handled) only when it was new *and* moves the status forward. Returns whether
    the status moved. The caller commits."""
    key = f"{msg.id}:{reported}:{error_code or ''}"
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    inserted = session.execute(
        dialect.insert(MessageEvent)
        .values(message_id=msg.id, status=reported, error_code=error_code, at=now, report_key=key)
        .on_conflict_do_nothing(index_elements=["report_key"])
    ).rowcount
    mapped = TWILIO_STATUSES.get(reported)
    if not inserted or mapped is None:
        return False  # a replay, or a status that says nothing about delivery
    rank = STATUS_RANK[mapped]
    before = STATUS_RANK.get(msg.status, 0)
    not_below = [status for status, r in STATUS_RANK.items() if r >= rank]
    # One conditional UPDATE, so two reports racing in on two workers cannot move it backwards.
    moved = session.execute(
        update(Message)
        .where(Message.id == msg.id, Message.status.not_in(not_below))
        .values(status=mapped)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    opted_out = []
    if moved and mapped in FAILURES and error_code:
        opted_out = on_delivery_error(session, msg, error_code, now)
    # Events after the audit appends: the chain's lock first, then a borrower's event sequence
    # (every emitter takes them in this order, so two transactions never wait on each other).
    if moved and msg.direction == "out":
        # "read" can arrive without "delivered" before it: the lender still hears it once.
        if rank >= STATUS_RANK["delivered"] > before:
            outbound.emit_message(session, "message.delivered", msg, now)
        elif mapped in FAILURES:
            outbound.emit_message(session, "message.failed", msg, now, error_code=error_code)
    outbound.emit_opted_out(session, opted_out, "carrier", now)
    return bool(moved)
