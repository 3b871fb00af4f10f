"""The outbox: one row per intended lender message, decided again at send time.

A row is written once per idempotency key (e.g. loan, step, due date), so re-planning never
duplicates a message. The dispatcher claims rows atomically, re-checks the policy, and either sends
(linking the message row), defers to ``next_allowed_at``, or cancels when time cannot lift the block.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.models.base import Base, utcnow
from outreach.models.borrowers import Borrower

OUTBOX_STATUSES = ("pending", "sending", "sent", "cancelled", "failed")


class OutboxItem(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "not_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    borrower_id: Mapped[int] = mapped_column(ForeignKey("borrowers.id"), index=True)
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loans.id"))
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(254))
    template: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    not_before: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None]
    last_decision: Mapped[dict[str, Any] | None]
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    # Issue 4: the campaign step, the borrower's locale, and what the dispatcher needs to send on
    # each channel of the fallback chain (rendered bodies, email parts, WhatsApp Content, segments).
    step: Mapped[str | None] = mapped_column(String(32))
    locale: Mapped[str | None] = mapped_column(String(16))
    payload: Mapped[dict[str, Any] | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    borrower: Mapped[Borrower] = relationship()


class SendRateSlot(Base):
    """The next free send slot of one sender (``channel:from-address``), shared by every
    dispatcher process, so a per-sender rate limit holds however many dispatchers run."""

    __tablename__ = "send_rate_slots"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    # Unix time in seconds: a float compared with clock.unix_seconds(), not a timestamp column.
    next_free: Mapped[float] = mapped_column(Float(precision=53))
