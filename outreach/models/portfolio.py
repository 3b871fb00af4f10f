"""History the portfolio KPIs and the risk score are computed from: one row per loan per day
(days past due, balances), and the risk models trained on that history with their scores.

Snapshots are appended by the ``loan_snapshot`` scheduler job (one per loan per UTC day, never
rewritten); month-over-month roll rates and the risk model's labels come from them, because the
``loans`` table only holds today's figures.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from outreach.models.base import Base, utcnow


class LoanSnapshot(Base):
    """A loan's arrears as they stood on ``day`` (UTC)."""

    __tablename__ = "loan_snapshots"
    __table_args__ = (
        UniqueConstraint("day", "loan_id", name="uq_loan_snapshots_day_loan"),
        Index("ix_loan_snapshots_loan_day", "loan_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(index=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"))
    days_past_due: Mapped[int]
    outstanding: Mapped[Decimal]
    past_due_amount: Mapped[Decimal]
    status: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)


class RiskModel(Base):
    """A trained logistic regression, kept whole so every score can be explained: the features
    in order, their standardisation, the coefficients and the intercept (``outreach.risk``)."""

    __tablename__ = "risk_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(40), unique=True)
    trained_at: Mapped[datetime] = mapped_column(default=utcnow)
    features: Mapped[list[str]] = mapped_column(JSON)
    means: Mapped[list[float]] = mapped_column(JSON)
    scales: Mapped[list[float]] = mapped_column(JSON)
    coefficients: Mapped[list[float]] = mapped_column(JSON)
    intercept: Mapped[float]
    details: Mapped[dict[str, Any]]  # rows, positives, auc on the held-out month, library


class RiskScore(Base):
    """One loan's score under one model, with the factors that pushed it most."""

    __tablename__ = "risk_scores"
    __table_args__ = (UniqueConstraint("model_id", "loan_id", name="uq_risk_scores_model_loan"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("risk_models.id"), index=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    score: Mapped[float]  # probability the arrears grow in the next 30 days
    band: Mapped[str] = mapped_column(String(8))  # low | medium | high
    factors: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    scored_at: Mapped[datetime] = mapped_column(default=utcnow)
