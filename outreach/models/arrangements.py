"""Payment arrangements a borrower agreed to: instalment plans and promises to pay.

The bot (or an officer) creates them; the outreach planner reads them (an accepted, current plan
switches the loan to instalment reminders; an open promise pauses the cadence until its date; a
broken plan or promise resumes it); the KPI dashboard counts them. Status changes add timestamps.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.models.base import Base, utcnow

PLAN_STATUSES = ("proposed", "accepted", "current", "broken", "completed", "cancelled")
PLAN_FREQUENCIES = ("weekly", "biweekly", "monthly")
INSTALMENT_STATUSES = ("due", "paid", "missed")
PROMISE_STATUSES = ("open", "kept", "broken", "cancelled")


class PaymentPlan(Base):
    __tablename__ = "payment_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    borrower_id: Mapped[int] = mapped_column(ForeignKey("borrowers.id"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    status: Mapped[str] = mapped_column(String(16), default="proposed", index=True)
    instalment_amount: Mapped[Decimal]
    instalment_count: Mapped[int]
    frequency: Mapped[str] = mapped_column(String(16))
    start_date: Mapped[date]
    first_amount: Mapped[Decimal]  # may exceed instalment_amount (minimum first payment)
    total: Mapped[Decimal]
    outside_policy: Mapped[bool] = mapped_column(default=False)  # needs a supervisor's approval
    created_by: Mapped[str] = mapped_column(String(32))  # bot | officer:<id>
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    broken_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]

    instalments: Mapped[list[PlanInstalment]] = relationship(
        back_populates="plan", order_by="PlanInstalment.seq"
    )


class PlanInstalment(Base):
    __tablename__ = "plan_instalments"
    __table_args__ = (UniqueConstraint("plan_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("payment_plans.id"), index=True)
    seq: Mapped[int]
    due_date: Mapped[date] = mapped_column(index=True)
    amount: Mapped[Decimal]
    paid_amount: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    status: Mapped[str] = mapped_column(String(16), default="due")

    plan: Mapped[PaymentPlan] = relationship(back_populates="instalments")


class PromiseToPay(Base):
    __tablename__ = "promises_to_pay"

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    borrower_id: Mapped[int] = mapped_column(ForeignKey("borrowers.id"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    amount: Mapped[Decimal | None]
    promised_date: Mapped[date] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_by: Mapped[str] = mapped_column(String(32))  # bot | officer:<id>
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
