"""The skeleton reminder job: one SMS per loan and due date, only when the policy allows.

Loans due within ``DUE_SOON_DAYS`` or past due, with an SMS contact point, get one
``payment_reminder``. A reminder blocked only by time (outside the contact window, caps) is simply
tried again on a later run; one blocked by a rule time cannot lift (opt-out, flag, no consent) is
logged once as blocked so auditors see it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from babel.dates import format_date
from sqlalchemy import String, and_, cast, or_, select
from sqlalchemy.orm import Session

from .contact_policy import check_contact
from .message_templates import render
from .messaging import record_blocked, send_message
from .models import Borrower, ContactPoint, Loan, Message
from .settings import Settings

log = logging.getLogger(__name__)
DUE_SOON_DAYS = 3
TEMPLATE = "payment_reminder"


@dataclass
class RunReport:
    considered: int = 0
    sent: int = 0
    deferred: int = 0
    blocked: int = 0


def due_loans(session: Session, now: datetime) -> list[tuple[Loan, ContactPoint]]:
    """Loans due soon or past due that have no reminder for their current due date yet."""
    today = now.date()
    key = "reminder:" + cast(Loan.id, String) + ":" + cast(Loan.next_due_date, String)
    rows = session.execute(
        select(Loan, ContactPoint)
        .join(Borrower, Borrower.id == Loan.borrower_id)
        .join(ContactPoint, and_(ContactPoint.borrower_id == Borrower.id,
                                 ContactPoint.channel == "sms"))
        .where(Loan.status.in_(("current", "delinquent")),
               Loan.next_due_date.is_not(None),
               or_(Loan.days_past_due > 0,
                   Loan.next_due_date <= today + timedelta(days=DUE_SOON_DAYS)),
               ~select(Message.id).where(Message.dedupe_key == key).exists())
        .order_by(Loan.id)
    ).all()
    return [(loan, point) for loan, point in rows]


def dedupe_key(loan: Loan) -> str:
    return f"reminder:{loan.id}:{loan.next_due_date.isoformat()}"


def send_due_reminders(session: Session, settings: Settings, now: datetime) -> RunReport:
    report = RunReport()
    for loan, point in due_loans(session, now):
        report.considered += 1
        borrower = loan.borrower
        decision = check_contact(session, borrower, "sms", now)
        locale = borrower.locale or "en"
        body = render(TEMPLATE, "sms", locale, lender=settings.lender_name,
                      due_date=format_date(loan.next_due_date, "long",
                                           locale=locale.replace("-", "_")))
        if decision["allowed"]:
            send_message(session, settings, channel="sms", address=point.address,
                               body=body, sender="scheduler", borrower_id=borrower.id,
                               loan_id=loan.id, template=TEMPLATE, decision=decision,
                               dedupe_key=dedupe_key(loan))
            report.sent += 1
        elif decision.get("next_allowed_at"):
            report.deferred += 1  # only time blocks it: a later run sends it
        else:
            record_blocked(session, channel="sms", address=point.address, body=body,
                                 sender="scheduler", decision=decision, borrower_id=borrower.id,
                                 loan_id=loan.id, template=TEMPLATE, dedupe_key=dedupe_key(loan))
            report.blocked += 1
    log.info("reminders: %s", report)
    return report
