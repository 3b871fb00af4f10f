"""Officers verify or reject the payment claims borrowers made to the bot ("I already paid").

Verifying records that the officer found the payment in the lender's records (the lender's own
system posts it; a claim never moves a balance). Rejecting ends the claim's pause of reminders
at once, so the cadence resumes. Each decision is audited and taken once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from outreach.audit import log as audit
from outreach.models import CollectionPause, PaymentClaim

VERDICTS = {"verify": "verified", "reject": "rejected"}


class ClaimRefused(ValueError):
    """The decision cannot be taken (unknown claim, decided already, unknown verdict)."""


def claims_to_verify(session: Session) -> list[PaymentClaim]:
    """Pending claims, oldest first."""
    return list(
        session.scalars(
            select(PaymentClaim)
            .where(PaymentClaim.status == "pending")
            .order_by(PaymentClaim.created_at, PaymentClaim.id)
        )
    )


def decide_claim(
    session: Session, claim_id: int, verdict: str, officer_id: int, now: datetime
) -> PaymentClaim:
    """Verify or reject one pending claim. Commits."""
    status = VERDICTS.get(verdict)
    if status is None:
        raise ClaimRefused(f"verdict: one of {', '.join(VERDICTS)}")
    claim = session.get(PaymentClaim, claim_id)
    if claim is None:
        raise ClaimRefused(f"claim {claim_id}: no such claim")
    if claim.status != "pending":
        raise ClaimRefused(f"claim {claim_id}: already {claim.status}")
    claim.status, claim.decided_by_id, claim.decided_at = status, officer_id, now
    if status == "rejected":
        session.execute(
            update(CollectionPause)
            .where(
                CollectionPause.borrower_id == claim.borrower_id,
                CollectionPause.reason == "payment_claim",
                CollectionPause.loan_id.is_(claim.loan_id)
                if claim.loan_id is None
                else CollectionPause.loan_id == claim.loan_id,
                CollectionPause.ends_at > now,
                CollectionPause.ended_early_at.is_(None),
            )
            .values(ended_early_at=now)
        )
    audit.record(
        session,
        f"officer:{officer_id}",
        f"payment_claim.{status}",
        subject=f"payment_claim:{claim.id}",
        borrower_id=claim.borrower_id,
        details={"loan_id": claim.loan_id},
        at=now,
    )
    session.commit()
    return claim
