"""Settlements, payment holidays and fee waivers a borrower asked for or agreed to.

One row per proposal (kind ``settlement``, ``holiday`` or ``waiver``). The bot stores one only
after the borrower's yes (``accepted``) or when it hands the request to an officer
(``requested``, attached to the case); an officer's proposal above their tier waits for a
supervisor (``requested`` with ``tier`` ``supervisor``). Each row keeps the limits in force
(``limits``, their ``limits_version``) and who decided. Status changes add timestamps.

Statuses: requested -> accepted | rejected; accepted -> paid (a settlement paid in full),
expired (deadline passed short-paid), completed (a holiday ended, a waiver applied), cancelled.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from outreach.models.base import Base, utcnow

RESOLUTION_KINDS = ("settlement", "holiday", "waiver")
RESOLUTION_STATUSES = (
    "requested",
    "accepted",
    "rejected",
    "paid",
    "expired",
    "completed",
    "cancelled",
)


class Resolution(Base):
    __tablename__ = "resolutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    borrower_id: Mapped[int] = mapped_column(ForeignKey("borrowers.id"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("handoff_cases.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    balance: Mapped[Decimal]  # the balance when it was proposed
    amount: Mapped[Decimal]  # settlement: to pay; waiver: waived; holiday: 0
    discount: Mapped[Decimal] = mapped_column(default=Decimal("0"))  # balance - amount
    paid_amount: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    deadline: Mapped[date | None]  # settlement: borrower's last day to pay
    holiday_start: Mapped[date | None]
    holiday_end: Mapped[date | None]  # last day of the pause
    tier: Mapped[str] = mapped_column(String(16))  # bot | officer | supervisor: who may agree
    requested_by: Mapped[str] = mapped_column(String(32))  # bot | officer:<id>
    decided_by: Mapped[str | None] = mapped_column(
        String(32)
    )  # bot | officer:<id> | supervisor:<id>
    channel: Mapped[str | None] = mapped_column(String(16))
    product: Mapped[str] = mapped_column(String(64))
    bucket: Mapped[str] = mapped_column(String(32))
    limits_version: Mapped[str] = mapped_column(String(40))
    limits: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]  # paid, expired, completed, rejected, cancelled
