"""Emitting outbound events: the outbox the lender's webhooks are delivered from.

``emit(session, type, borrower_id, data, occurred_at)`` adds the event, and one pending delivery
for every subscription (active or paused) that wants its type, to the caller's transaction:
they commit with the change that caused them, or roll back with it, so a lender is never told
about a payment that was not stored, nor left untold about one that was (the transactional
outbox pattern). Delivery is ``outreach.integrations.webhooks``' job, in the scheduler process.

The body a receiver gets is exactly ``{"type", "id", "occurred_at", "data"}``
(``contracts/api.md``, "Outbound events"); ``data`` names the loan and borrower by the lender's
own identifiers (loan number, external borrower id) and carries no phone number, address,
name or message text.

This module sits low in the layers (models, the clock) so that every service can emit.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from outreach.models import (
    Borrower,
    ContactPoint,
    Event,
    EventDelivery,
    EventSequence,
    EventSubscription,
    Loan,
    Message,
)
from outreach.models.events import NO_BORROWER_STREAM

# The contract's event types, with what each one means (shown on the admin page).
TYPES: dict[str, str] = {
    "payment.received": "a payment was applied to a loan",
    "promise.created": "a borrower promised to pay",
    "promise.kept": "the payments received cover a promise",
    "promise.broken": "a promise's date (and grace) passed without the payment",
    "plan.accepted": "an instalment plan was agreed",
    "plan.broken": "an instalment of a plan was missed",
    "plan.completed": "every instalment of a plan is paid",
    "settlement.accepted": "a settlement (a discounted lump sum by a deadline) was agreed",
    "settlement.paid": "a settlement was paid in full: the loan is settled for less",
    "settlement.expired": "a settlement's deadline passed without the full payment",
    "dispute.opened": "a borrower disputed the debt (outreach paused)",
    "hardship.reported": "a borrower reported financial hardship",
    "contact.opted_out": "a borrower opted out of a channel",
    "contact.wrong_party": "the contact reached someone else (not emitted yet: not recorded)",
    "handoff.opened": "a conversation was handed to an officer",
    "handoff.closed": "an officer closed a handoff case",
    "message.delivered": "an outbound message was delivered",
    "message.failed": "an outbound message failed",
}


class UnknownEventType(ValueError):
    """A type outside ``TYPES`` (a typo must not create a type no subscriber can ask for)."""


def new_webhook_id() -> str:
    """A delivery's Standard Webhooks ``webhook-id``: the same on every attempt and replay."""
    return "msg_" + uuid.uuid4().hex


def _next_seq(session: Session, stream: int) -> int:
    # One statement that inserts the counter or bumps it, and returns the new value. Its row
    # lock is held to commit: a second transaction emitting for this borrower waits here, so the
    # sequence follows commit order and the worker never sees seq 5 committed before seq 4.
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = EventSequence.__table__
    stmt = (
        dialect.insert(table)
        .values(stream=stream, last_seq=1)
        .on_conflict_do_update(index_elements=["stream"], set_={"last_seq": table.c.last_seq + 1})
        .returning(table.c.last_seq)
    )
    return int(session.execute(stmt).scalar_one())


def emit(
    session: Session,
    type: str,
    borrower_id: int | None,
    data: dict[str, Any],
    occurred_at: datetime,
) -> Event:
    """Add one event and its deliveries to the caller's transaction (flushed, not committed).

    ``data`` must be JSON-ready (strings for money and dates); ``borrower_external_id`` is
    added from the borrower. UnknownEventType for a type outside ``TYPES``."""
    if type not in TYPES:
        raise UnknownEventType(f"type: unknown event type {type!r}")
    if occurred_at.tzinfo is None:
        raise ValueError("occurred_at: must be timezone-aware")
    borrower = session.get(Borrower, borrower_id) if borrower_id is not None else None
    stream = borrower_id if borrower_id is not None else NO_BORROWER_STREAM
    event = Event(
        public_id="evt_" + uuid.uuid4().hex,
        type=type,
        borrower_id=borrower_id,
        stream=stream,
        seq=_next_seq(session, stream),
        occurred_at=occurred_at,
        data={**data, "borrower_external_id": borrower.external_id if borrower else None},
        created_at=occurred_at,
    )
    session.add(event)
    session.flush()
    wanted = [
        sub_id
        for sub_id, types in session.execute(select(EventSubscription.id, EventSubscription.types))
        if type in (types or [])
    ]
    session.add_all(
        EventDelivery(
            event_id=event.id,
            subscription_id=sub_id,
            stream=stream,
            seq=event.seq,
            webhook_id=new_webhook_id(),
            status="pending",
            next_attempt_at=occurred_at,
            created_at=occurred_at,
        )
        for sub_id in wanted
    )
    if wanted:
        session.flush()
    return event


def timestamp(at: datetime) -> str:
    """An instant as the bodies write it: ISO 8601 in UTC with a ``Z``."""
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def body(event: Event) -> dict[str, Any]:
    """The event as receivers get it (and as an API lists it)."""
    return {
        "type": event.type,
        "id": event.public_id,
        "occurred_at": timestamp(event.occurred_at),
        "data": event.data,
    }


def body_bytes(event: Event) -> bytes:
    """The exact bytes sent and signed (compact JSON, UTF-8)."""
    return json.dumps(body(event), separators=(",", ":"), ensure_ascii=False).encode()


def loan_number(session: Session, loan_id: int | None) -> str | None:
    """The lender's loan number for ``data`` (None without a loan)."""
    loan = session.get(Loan, loan_id) if loan_id is not None else None
    return loan.loan_number if loan else None


# Borrower flags that are events for the lender when they are set.
FLAG_EVENTS = {"dispute_open": "dispute.opened", "hardship": "hardship.reported"}


def emit_flag_set(
    session: Session, borrower_id: int, flag: str, source: str, occurred_at: datetime
) -> Event | None:
    """``dispute.opened`` / ``hardship.reported`` when ``flag`` is one of ``FLAG_EVENTS``
    (``source``: ``bot``, ``officer``, ``api``); None for the other flags."""
    kind = FLAG_EVENTS.get(flag)
    if kind is None:
        return None
    return emit(session, kind, borrower_id, {"flag": flag, "source": source}, occurred_at)


def emit_opted_out(
    session: Session, points: list[ContactPoint], via: str, occurred_at: datetime
) -> list[Event]:
    """``contact.opted_out`` once per borrower whose contact ``points`` were just opted out
    (``via``: ``keyword``, ``bot``, ``email_unsubscribe``, ``carrier``). The channels are named,
    never the addresses. Call with the points that were not opted out before."""
    channels: dict[int, set[str]] = {}
    for point in points:
        channels.setdefault(point.borrower_id, set()).add(point.channel)
    return [
        emit(
            session,
            "contact.opted_out",
            borrower_id,
            {"channels": sorted(names), "via": via},
            occurred_at,
        )
        for borrower_id, names in sorted(channels.items())
    ]


def emit_message(
    session: Session, kind: str, msg: Message, occurred_at: datetime, **extra: Any
) -> Event:
    """``message.delivered`` / ``message.failed`` for an outbound message: its id, loan,
    channel, template and status, never its address or text."""
    data = {
        "message_id": msg.id,
        "loan_number": loan_number(session, msg.loan_id),
        "channel": msg.channel,
        "template": msg.template,
        "status": msg.status,
        **extra,
    }
    return emit(session, kind, msg.borrower_id, data, occurred_at)
