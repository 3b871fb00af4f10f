"""Officer casework: notes on a case, each officer's capacity, and every (re)assignment.

Assignments are appended, never updated, so "who had this case when" survives reassignment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.models.base import Base, utcnow
from outreach.models.officers import Officer

DEFAULT_CAPACITY = 5  # open cases one officer may hold at once unless an admin says otherwise


class CaseNote(Base):
    """An officer's internal note on a case; never sent to the borrower."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("handoff_cases.id"), index=True)
    borrower_id: Mapped[int | None] = mapped_column(ForeignKey("borrowers.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    officer: Mapped[Officer] = relationship()


class OfficerCapacity(Base):
    """How many claimed cases an officer may hold; missing row means DEFAULT_CAPACITY."""

    __tablename__ = "officer_capacities"

    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), primary_key=True)
    max_open_cases: Mapped[int] = mapped_column(default=DEFAULT_CAPACITY)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CaseAssignment(Base):
    """One change of hands: ``claim`` by the officer, ``reassign`` by a supervisor."""

    __tablename__ = "case_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("handoff_cases.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    kind: Mapped[str] = mapped_column(String(16))  # claim | reassign
    at: Mapped[datetime] = mapped_column(default=utcnow)


class PlanApproval(Base):
    """A plan an officer proposed outside policy limits, waiting for a supervisor's decision."""

    __tablename__ = "plan_approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("handoff_cases.id"), index=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"))
    terms: Mapped[dict[str, Any]]  # PlanTerms as strings (money as decimal strings)
    violations: Mapped[list[str]] = mapped_column(JSON)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|approved|rejected
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    decided_at: Mapped[datetime | None]
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("payment_plans.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
