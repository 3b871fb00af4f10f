"""The review queue: parked provider payments, and a supervisor's decision on each, once.

A callback the product could not apply (``outreach.payments.apply``: no loan number, no such
loan, an ambiguous account reference, another currency than the loan's) waits here with status
``review``. A supervisor (or admin; the console enforces the role) resolves it once:

- ``match``: to the loan they name. The loan's currency must be the payment's (never converted);
  then the row is ``applied`` with exactly the effects of a payment matched on arrival
  (``apply.post_payment`` and ``apply.send_receipt_for``: payments row, ``payment.received``,
  promises and instalments reviewed, covered reminders cancelled, one receipt), audited
  ``payment.matched``.
- ``refund``: the lender sent the money back through the provider's own dashboard (the product
  never moves money); a note is required. The row becomes ``refunded`` and is never applied;
  audited ``payment.refunded``.

Only the first decision counts: the row leaves ``review`` by a conditional UPDATE, so a second
click or another supervisor deciding at the same moment is told it was already resolved, and
nothing is applied twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from outreach.audit import log as audit
from outreach.channels import Channels
from outreach.models import Loan, ProviderPayment
from outreach.payments.apply import loans_like, payment_details, post_payment
from outreach.payments.apply import send_receipt_for as _send_receipt
from outreach.settings import Settings

MAX_NOTE = 500


class ResolutionRefused(ValueError):
    """The decision cannot be taken; the message names the field and says why."""


@dataclass(frozen=True)
class Resolution:
    """What a decision did: the row, its new status, the loan (when matched), reminders cancelled."""

    row_id: int
    status: str
    loan_id: int | None = None
    reminders_cancelled: tuple[int, ...] = ()


def waiting(session: Session, limit: int = 500) -> list[ProviderPayment]:
    """Parked payments still waiting for a decision, oldest first."""
    return list(
        session.scalars(
            select(ProviderPayment)
            .where(ProviderPayment.status == "review")
            .order_by(ProviderPayment.received_at, ProviderPayment.id)
            .limit(limit)
        )
    )


def waiting_count(session: Session) -> int:
    return (
        session.scalar(
            select(func.count(ProviderPayment.id)).where(ProviderPayment.status == "review")
        )
        or 0
    )


def loan_for(session: Session, typed: str) -> Loan:
    """The loan a supervisor typed: its exact number, else the one loan whose letters and digits
    match (as M-Pesa account references are compared); ResolutionRefused otherwise."""
    number = typed.strip()
    if not number:
        raise ResolutionRefused("loan_number: type the loan number to match this payment to.")
    loan = session.scalar(select(Loan).where(Loan.loan_number == number))
    if loan is not None:
        return loan
    loans = loans_like(session, number)
    if len(loans) == 1:
        return loans[0]
    if len(loans) > 1:
        raise ResolutionRefused(
            "loan_number: more than one loan matches that; type the number exactly."
        )
    raise ResolutionRefused("loan_number: no loan has that number.")


def _claim(
    session: Session, row_id: int, status: str, officer_id: int, now: datetime, **values: object
) -> ProviderPayment:
    """Move the row out of ``review`` if it is still there (only one decision wins)."""
    won = session.execute(
        update(ProviderPayment)
        .where(ProviderPayment.id == row_id, ProviderPayment.status == "review")
        .values(status=status, resolved_by_id=officer_id, resolved_at=now, **values)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if won != 1:
        session.rollback()
        raise ResolutionRefused("This payment was already resolved; nothing was changed.")
    row = session.get(ProviderPayment, row_id)
    assert row is not None  # the UPDATE just found it
    session.refresh(row)
    return row


def _pending(session: Session, row_id: int) -> ProviderPayment:
    row = session.get(ProviderPayment, row_id)
    if row is None:
        raise ResolutionRefused("This parked payment does not exist.")
    if row.status != "review":
        raise ResolutionRefused("This payment was already resolved; nothing was changed.")
    return row


def match(
    session: Session,
    row_id: int,
    typed_loan_number: str,
    now: datetime,
    *,
    officer_id: int,
    settings: Settings,
    channels: Channels,
) -> Resolution:
    """Apply the parked payment ``row_id`` to the loan typed (see the module docstring); commits,
    then sends the receipt. ResolutionRefused names what is wrong and changes nothing."""
    row = _pending(session, row_id)
    loan = loan_for(session, typed_loan_number)
    if loan.currency != row.currency:
        raise ResolutionRefused(
            f"loan_number: that loan is in {loan.currency} and this payment is in "
            f"{row.currency}; a payment is never converted. Mark it refunded instead."
        )
    parked_reason, parked_at = row.review_reason, row.created_at
    row = _claim(session, row.id, "applied", officer_id, now, loan_id=loan.id)
    actor = f"officer:{officer_id}"
    audit.record(
        session,
        actor,
        "payment.matched",
        subject=f"provider_payment:{row.id}",
        borrower_id=loan.borrower_id,
        details={
            **payment_details(row),
            "loan_id": loan.id,
            "matched_to": loan.loan_number,
            "reason": parked_reason,
            "parked_at": parked_at.isoformat(),
        },
        at=now,
    )
    cancelled = post_payment(session, row, loan, now, actor)
    session.commit()
    _send_receipt(session, settings, channels, row.id, row.conversation_id)
    return Resolution(row.id, "applied", loan.id, tuple(cancelled))


def refund(
    session: Session, row_id: int, note: str, now: datetime, *, officer_id: int
) -> Resolution:
    """Record that the parked payment ``row_id`` was refunded (never applied); commits.
    ResolutionRefused when the note is missing or too long, or the row is resolved."""
    row = _pending(session, row_id)
    note = note.strip()
    if not note or len(note) > MAX_NOTE:
        raise ResolutionRefused(
            f"note: say how and when the money went back (1 to {MAX_NOTE} characters)."
        )
    parked_reason = row.review_reason
    row = _claim(session, row.id, "refunded", officer_id, now, resolution_note=note)
    loan = session.get(Loan, row.loan_id) if row.loan_id else None
    audit.record(
        session,
        f"officer:{officer_id}",
        "payment.refunded",
        subject=f"provider_payment:{row.id}",
        borrower_id=loan.borrower_id if loan else None,
        details={**payment_details(row), "reason": parked_reason, "note": note},
        at=now,
    )
    session.commit()
    return Resolution(row.id, "refunded", row.loan_id)
