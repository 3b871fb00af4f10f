"""Posting a confirmed payment: once per provider reference, to the loan it names, or parked.

``apply_event`` stores a :class:`PaymentEvent` as a ``provider_payments`` row and commits:

- seen before (same provider and reference): nothing changes (``duplicate``);
- no loan number, no such loan, more than one loan for a fuzzy M-Pesa reference, or another
  currency than the loan's: parked with status ``review`` and the raw body (never dropped, never
  applied to a guessed loan);
- otherwise ``applied``: a ``payments`` row on the loan, a ``payment.received`` audit event and
  outbound event (``outreach.integrations.events``), the loan's promises and plan instalments reviewed at once (``outreach.arrangements.review``), and
  its pending reminders that the payments cover cancelled (``outreach.payments.reminders``).

An applied payment then gets the borrower one receipt (``outreach.payments.receipts``), sent
after the commit: a duplicate or a parked payment gets none.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from outreach.arrangements.review import review_loan
from outreach.audit import log as audit
from outreach.channels import Channels
from outreach.integrations import events
from outreach.models import Loan, Payment, ProviderPayment
from outreach.payments import reminders
from outreach.payments.base import PaymentEvent
from outreach.payments.receipts import send_receipt
from outreach.settings import Settings

log = logging.getLogger(__name__)
NOT_LETTER_OR_DIGIT = re.compile(r"[^0-9A-Za-z]")


@dataclass
class Outcome:
    """What applying one event did: ``applied``, ``review`` or ``duplicate``."""

    status: str
    row_id: int | None = None
    reason: str | None = None
    reminders_cancelled: list[int] = field(default_factory=list)


def loan_key(number: str) -> str:
    """A loan number compared as M-Pesa account references are: letters and digits, no case."""
    return NOT_LETTER_OR_DIGIT.sub("", number).upper()


def _sql_key(column):  # type: ignore[no-untyped-def]
    """``loan_key`` in SQL for the separators borrowers type (spaces and dashes)."""
    return func.upper(func.replace(func.replace(column, " ", ""), "-", ""))


def find_loan(session: Session, event: PaymentEvent) -> tuple[Loan | None, str | None]:
    """The loan the event names, or None and why it is parked."""
    if event.loan_number is None:
        return None, "no_loan_number"
    if not event.fuzzy_loan_number:
        loan = session.scalar(select(Loan).where(Loan.loan_number == event.loan_number))
        return (loan, None) if loan else (None, "unknown_loan")
    key = loan_key(event.loan_number)
    if not key:
        return None, "unknown_loan"
    loans = session.scalars(select(Loan).where(_sql_key(Loan.loan_number) == key).limit(2)).all()
    if len(loans) > 1:
        return None, "ambiguous_loan"
    return (loans[0], None) if loans else (None, "unknown_loan")


def _existing(session: Session, event: PaymentEvent) -> ProviderPayment | None:
    return session.scalar(
        select(ProviderPayment).where(
            ProviderPayment.provider == event.provider,
            ProviderPayment.reference == event.reference,
        )
    )


def _store(session: Session, event: PaymentEvent, now: datetime) -> Outcome:
    loan, reason = find_loan(session, event)
    if loan is not None and event.currency != loan.currency:
        reason = "currency"
    row = ProviderPayment(
        provider=event.provider,
        reference=event.reference,
        loan_number=event.loan_number,
        loan_id=loan.id if loan else None,
        amount=event.amount,
        currency=event.currency,
        received_at=event.received_at,
        status="review" if reason else "applied",
        review_reason=reason,
        raw=event.raw if reason else None,
        created_at=now,
    )
    session.add(row)
    session.flush()  # the unique (provider, reference) decides a race here
    actor = f"payments:{event.provider}"
    details = {
        "provider": event.provider,
        "reference": event.reference,
        "amount": str(event.amount),
        "currency": event.currency,
        "loan_number": event.loan_number,
    }
    if reason or loan is None:
        borrower = loan.borrower_id if loan else None
        details["reason"] = reason
        audit.record(
            session,
            actor,
            "payment.parked",
            subject=f"provider_payment:{row.id}",
            borrower_id=borrower,
            details=details,
            at=now,
        )
        return Outcome("review", row.id, reason)
    payment = Payment(
        loan_id=loan.id,
        amount=event.amount,
        paid_at=event.received_at,
        reference=f"{event.provider}:{event.reference}",
    )
    session.add(payment)
    session.flush()
    row.payment_id = payment.id
    reminders.hold(session, loan)  # before the audit lock, as the dispatcher takes them
    audit.record(
        session,
        actor,
        "payment.received",
        subject=f"payment:{payment.id}",
        borrower_id=loan.borrower_id,
        details=details,
        at=now,
    )
    # Before the review, so a lender hears of the payment before the promise it kept.
    events.emit(
        session,
        "payment.received",
        loan.borrower_id,
        {
            "loan_number": loan.loan_number,
            "payment_id": payment.id,
            "amount": str(event.amount),
            "currency": event.currency,
            "paid_at": events.timestamp(event.received_at),
            "provider": event.provider,
            "reference": event.reference,
        },
        now,
    )
    review_loan(session, loan.id, now, actor)
    cancelled = reminders.cancel_covered_reminders(session, loan, now, actor)
    return Outcome("applied", row.id, reminders_cancelled=cancelled)


def apply_event(
    session: Session,
    event: PaymentEvent,
    now: datetime,
    *,
    settings: Settings,
    channels: Channels,
) -> Outcome:
    """Store ``event`` (see the module docstring), commit, and send the receipt of an applied
    payment through ``channels`` (the caller's registry)."""
    known = _existing(session, event)
    if known is not None:
        return Outcome("duplicate", known.id)
    try:
        outcome = _store(session, event, now)
        session.commit()
    except IntegrityError:
        session.rollback()  # the same callback, delivered twice at once: the other one stored it
        known = _existing(session, event)
        if known is None:
            raise
        return Outcome("duplicate", known.id)
    if outcome.status == "applied":
        _receipt(session, settings, channels, event)
    return outcome


def _receipt(session: Session, settings: Settings, channels: Channels, event: PaymentEvent) -> None:
    # The payment is stored and committed: a receipt that cannot go out is logged, never a
    # failed callback (the provider would retry, and the retry is a duplicate: no receipt).
    try:
        row = _existing(session, event)
        loan = session.get(Loan, row.loan_id) if row and row.loan_id else None
        if loan is not None:
            send_receipt(
                session,
                settings,
                channels,
                loan,
                event.amount,
                event.currency,
                event.conversation_id,
            )
    except Exception:
        session.rollback()
        log.exception("payments: receipt for %s %s not sent", event.provider, event.reference)
