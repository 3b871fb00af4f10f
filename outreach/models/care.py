"""Borrower care: vulnerability notes (recorded only with the borrower's yes), claims of a
payment made elsewhere (for an officer to verify) and pauses of automated collection.

Nothing here is deleted: a claim's decision and a pause's end add data to the row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from outreach.models.base import Base, utcnow

# What a borrower may disclose (FCA FG21/1 drivers of vulnerability, in plain categories).
VULNERABILITY_KINDS = ("illness", "bereavement", "job_loss", "disaster", "mental_health", "other")
PAUSE_REASONS = ("vulnerability", "payment_claim")
CLAIM_STATUSES = ("pending", "verified", "rejected")


class VulnerabilityNote(Base):
    """A minimal note of a disclosed vulnerability, stored only after the borrower's explicit
    yes (FG21/1 "eXplicit consent"; UK GDPR art. 9 health data). Shown to officers and
    supervisors handling the borrower's case, never in exports, events or logs."""

    __tablename__ = "vulnerability_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    borrower_id: Mapped[int] = mapped_column(ForeignKey("borrowers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    # The one line an officer needs ("disclosed by the borrower in a bot conversation"); never
    # the borrower's own words, which may say more than they agreed to record.
    note: Mapped[str] = mapped_column(Text)
    consent_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(32))  # bot | officer
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PaymentClaim(Base):
    """The borrower says they paid already: when and how, in their words, for an officer to
    check against the lender's records. A claim moves no money and changes no balance."""

    __tablename__ = "payment_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    borrower_id: Mapped[int] = mapped_column(ForeignKey("borrowers.id"), index=True)
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loans.id"), index=True)
    paid_when: Mapped[str] = mapped_column(String(200))
    paid_how: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    decided_at: Mapped[datetime | None]


class CollectionPause(Base):
    """Automated collection held back for a borrower (or one loan) until ``ends_at``: the
    vulnerability breathing space, or the days an officer needs to verify a payment claim.
    Time-bounded by design; the cadence resumes by itself afterwards."""

    __tablename__ = "collection_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    borrower_id: Mapped[int] = mapped_column(ForeignKey("borrowers.id"), index=True)
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loans.id"))  # None: every loan
    reason: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[datetime] = mapped_column(default=utcnow)
    ends_at: Mapped[datetime]
    ended_early_at: Mapped[datetime | None]
