"""Posting a confirmed payment: once per provider reference, to the loan it names, or parked.

``apply_event`` stores a :class:`PaymentEvent` as a ``provider_payments`` row and commits:

- seen before (same provider and reference): nothing changes (``duplicate``);
- no loan number, no such loan, more than one loan for a fuzzy M-Pesa reference, another
  currency than the loan's, or the event's own ``park_reason`` (an M-Pesa STK result that does
  not match our request): parked with status ``review`` and the raw body (never dropped, never
  applied to a guessed loan);
- otherwise ``applied``: a ``payments`` row on the loan, a ``payment.received`` audit event and
  outbound event (``outreach.events``), the loan's promises and plan instalments reviewed at once (``outreach.arrangements.review``), and
  its pending reminders that the payments cover cancelled (``outreach.payments.reminders``).

An applied payment then gets the borrower one receipt (``outreach.payments.receipts``), sent
after the commit: a duplicate or a parked payment gets none.

``post_payment`` and ``send_receipt_for`` are those effects on their own: a parked payment a
supervisor matches to a loan in the console (``outreach.payments.parked``) goes through exactly
the same two functions, so it has exactly the effects of a payment matched on arrival.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from outreach import events
from outreach.arrangements.review import review_loan
from outreach.audit import log as audit
from outreach.channels import Channels
from outreach.models import Conversation, Loan, Payment, ProviderPayment
from outreach.payments import balance, reminders
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


def loans_like(session: Session, number: str) -> list[Loan]:
    """Up to two loans whose number has the same letters and digits as ``number``, any case."""
    key = loan_key(number)
    if not key:
        return []
    return list(session.scalars(select(Loan).where(_sql_key(Loan.loan_number) == key).limit(2)))


def find_loan(session: Session, event: PaymentEvent) -> tuple[Loan | None, str | None]:
    """The loan the event names, or None and why it is parked."""
    if event.loan_number is None:
        return None, "no_loan_number"
    if not event.fuzzy_loan_number:
        loan = session.scalar(select(Loan).where(Loan.loan_number == event.loan_number))
        return (loan, None) if loan else (None, "unknown_loan")
    loans = loans_like(session, event.loan_number)
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
    if reason is None and event.park_reason:
        reason = event.park_reason
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
        conversation_id=_asking_conversation(session, event),
        created_at=now,
    )
    session.add(row)
    session.flush()  # the unique (provider, reference) decides a race here
    actor = f"payments:{event.provider}"
    details = payment_details(row)
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
    cancelled = post_payment(session, row, loan, now, actor)
    return Outcome("applied", row.id, reminders_cancelled=cancelled)


def _asking_conversation(session: Session, event: PaymentEvent) -> int | None:
    # A conversation since purged (retention) must not fail the callback: it asked no longer.
    if event.conversation_id is None:
        return None
    return event.conversation_id if session.get(Conversation, event.conversation_id) else None


def payment_details(row: ProviderPayment) -> dict[str, str | None]:
    """What the audit events of a provider payment say about it."""
    return {
        "provider": row.provider,
        "reference": row.reference,
        "amount": str(row.amount),
        "currency": row.currency,
        "loan_number": row.loan_number,
    }


def post_payment(
    session: Session, row: ProviderPayment, loan: Loan, now: datetime, actor: str
) -> list[int]:
    """The effects of a matched payment (contract, "Effects"), flushed with the caller's
    transaction, not committed: a ``payments`` row on ``loan`` (``row`` points at it), a
    ``payment.received`` audit event by ``actor``, the mirrored balance lowered when
    config/payments.yaml ``reduce_balance`` says so, the loan's promises and instalments
    reviewed, and its pending reminders the payments cover cancelled (their ids answered).
    The caller has checked that ``row``'s currency is the loan's."""
    payment = Payment(
        loan_id=loan.id,
        amount=row.amount,
        paid_at=row.received_at,
        reference=f"{row.provider}:{row.reference}",
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
        details=payment_details(row),
        at=now,
    )
    if balance.reduces_balance():
        balance.reduce(loan, row.amount)
    # Before the review, so a lender hears of the payment before the promise it kept.
    events.emit(
        session,
        "payment.received",
        loan.borrower_id,
        {
            "loan_number": loan.loan_number,
            "payment_id": payment.id,
            "amount": str(row.amount),
            "currency": row.currency,
            "paid_at": events.timestamp(row.received_at),
            "provider": row.provider,
            "reference": row.reference,
        },
        now,
    )
    review_loan(session, loan.id, now, actor)
    return reminders.cancel_covered_reminders(session, loan, now, actor)


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
    if outcome.status == "applied" and outcome.row_id is not None:
        send_receipt_for(session, settings, channels, outcome.row_id, event.conversation_id)
    return outcome


def send_receipt_for(
    session: Session,
    settings: Settings,
    channels: Channels,
    row_id: int,
    asked_in: int | None,
) -> None:
    """The receipt of the applied provider payment ``row_id`` (committed before), on the
    conversation ``asked_in`` when it is the borrower's, else their usual channel."""
    # The payment is stored and committed: a receipt that cannot go out is logged, never a
    # failed callback (the provider would retry, and the retry is a duplicate: no receipt).
    row = None
    try:
        row = session.get(ProviderPayment, row_id)
        loan = session.get(Loan, row.loan_id) if row and row.loan_id else None
        if row is not None and loan is not None:
            send_receipt(session, settings, channels, loan, row.amount, row.currency, asked_in)
    except Exception:
        session.rollback()
        log.exception(
            "payments: receipt for %s %s not sent",
            row.provider if row else "?",
            row.reference if row else row_id,
        )
