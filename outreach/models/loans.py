"""Loans and the payments made on them. Money is Decimal throughout."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.models.base import Base, utcnow
from outreach.models.borrowers import Borrower

LOAN_STATUSES = ("current", "delinquent", "paid", "settled", "charged_off")


class Loan(Base):
    __tablename__ = "loans"

    id: Mapped[int] = mapped_column(primary_key=True)
    borrower_id: Mapped[int] = mapped_column(ForeignKey("borrowers.id"), index=True)
    loan_number: Mapped[str] = mapped_column(String(64), unique=True)
    product: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    principal: Mapped[Decimal]
    outstanding: Mapped[Decimal]
    past_due_amount: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    days_past_due: Mapped[int] = mapped_column(default=0)
    next_due_date: Mapped[date | None] = mapped_column(index=True)
    next_due_amount: Mapped[Decimal | None]
    status: Mapped[str] = mapped_column(String(16), default="current")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    borrower: Mapped[Borrower] = relationship(back_populates="loans")
    payments: Mapped[list[Payment]] = relationship(back_populates="loan")


class Payment(Base):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    amount: Mapped[Decimal]
    paid_at: Mapped[datetime]
    reference: Mapped[str | None] = mapped_column(String(64), unique=True)

    loan: Mapped[Loan] = relationship(back_populates="payments")
