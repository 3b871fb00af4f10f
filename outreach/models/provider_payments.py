"""Payments a provider (Stripe, M-Pesa, Razorpay) told us about, applied or parked for review.

One row per provider reference (``provider`` + ``reference`` is unique: a callback seen again
changes nothing). An ``applied`` row points at the ``payments`` row it put on the loan (what the
arrangements review, the KPIs and the timeline read); a ``review`` row is a callback we could not
apply (no such loan, an ambiguous account reference, another currency than the loan's): it keeps
the provider's body for an officer and is never applied to a guessed loan.

A supervisor resolves a ``review`` row once, in the console's review queue
(``outreach.payments.parked``): matched to a loan it becomes ``applied`` like any other; marked
``refunded`` (the lender sent the money back through the provider) it is never applied.
``resolved_by_id``/``resolved_at``/``resolution_note`` say who decided, when and why.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from outreach.models.base import Base, utcnow

PROVIDERS = ("stripe", "mpesa", "razorpay")
PROVIDER_PAYMENT_STATUSES = ("applied", "review", "refunded")
# Why a row waits for an officer.
REVIEW_REASONS = (
    "unknown_loan",
    "ambiguous_loan",
    "no_loan_number",
    "currency",
    "stk_amount_mismatch",  # an M-Pesa STK result for another amount than we asked for
    "stk_phone_mismatch",  # ... paid from another phone than the one we prompted
)


class ProviderPayment(Base):
    __tablename__ = "provider_payments"
    __table_args__ = (UniqueConstraint("provider", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(64))  # Stripe payment_intent, TransID, pay_...
    loan_number: Mapped[str | None] = mapped_column(String(64))  # as the callback named it
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loans.id"), index=True)  # matched
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))  # when applied
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    received_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    review_reason: Mapped[str | None] = mapped_column(String(32))
    raw: Mapped[dict[str, Any] | None]  # the parked callback's body, for an officer
    # The conversation that asked for the payment (the receipt goes there; the KPIs' channel).
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    resolved_at: Mapped[datetime | None]
    resolution_note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
