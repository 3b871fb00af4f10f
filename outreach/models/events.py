"""Outbound events for the lender's systems: an outbox of events and their webhook deliveries.

``events``: one row per thing that happened (a payment received, a promise broken, ...), written
in the same transaction as the change that caused it (``outreach.events.emit``), with
a sequence number per borrower (``event_sequences`` hands them out, one row per borrower: the row
lock serialises two transactions emitting for the same borrower, so sequence order is commit
order). ``event_subscriptions``: where the lender wants which types, signed with the
subscription's secret. ``event_deliveries``: one row per event and subscription, retried until
delivered or dead; its ``webhook_id`` is the Standard Webhooks ``webhook-id`` of every attempt,
so a receiver de-duplicates redeliveries by it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.models.base import Base, utcnow

DELIVERY_STATUSES = ("pending", "delivered", "dead")
PENDING = text("status = 'pending'")
# The ordering stream of an event without a borrower (a handoff from an unidentified web chat).
NO_BORROWER_STREAM = 0


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("stream", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)  # also the cursor: ids only grow
    public_id: Mapped[str] = mapped_column(String(40), unique=True)  # "evt_<hex>": the body's id
    type: Mapped[str] = mapped_column(String(40), index=True)
    borrower_id: Mapped[int | None] = mapped_column(ForeignKey("borrowers.id"), index=True)
    # borrower_id, or NO_BORROWER_STREAM: the unit deliveries are ordered in.
    stream: Mapped[int]
    seq: Mapped[int]  # 1, 2, 3, ... per stream, in commit order
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EventSequence(Base):
    """The last sequence number handed out per stream (no foreign key: stream 0 has no
    borrower, and a purged borrower's counter holds no personal data)."""

    __tablename__ = "event_sequences"

    stream: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int]


class EventSubscription(Base):
    __tablename__ = "event_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    url: Mapped[str] = mapped_column(String(2000))
    # The event types delivered; a JSON list of names from outreach.events.TYPES.
    types: Mapped[list[str]] = mapped_column(JSON)
    # "whsec_<base64>", shown once when created: the receiver verifies signatures with it, and
    # the sender needs it in clear to sign (as every Standard Webhooks sender does).
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EventDelivery(Base):
    __tablename__ = "event_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "subscription_id"),
        # The worker's question, "the first pending delivery of each stream": only pending
        # rows are in this index, however many were delivered before.
        Index(
            "ix_event_deliveries_pending",
            "subscription_id",
            "stream",
            "seq",
            sqlite_where=PENDING,
            postgresql_where=PENDING,
        ),
        Index("ix_event_deliveries_health", "subscription_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("event_subscriptions.id", ondelete="CASCADE")
    )
    stream: Mapped[int]  # copied from the event: deliveries are ordered per subscription+stream
    seq: Mapped[int]
    webhook_id: Mapped[str] = mapped_column(String(40), unique=True)  # "msg_<hex>"
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    last_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(300))
    delivered_at: Mapped[datetime | None]
    # A worker's hold on this stream's head while it sends: other workers skip it until
    # ``claimed_until`` (a crashed worker's hold runs out; its delivery is then sent again, with
    # the same webhook_id). Unix seconds on the wall clock (outreach.clock.unix_seconds), like
    # send slots: a hold is compared across processes, it is not a business time.
    claimed_until: Mapped[float | None] = mapped_column(Float(precision=53))
    claim_token: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    event: Mapped[Event] = relationship()
    subscription: Mapped[EventSubscription] = relationship()
