"""The skeleton reminder plan: one SMS per loan and due date, queued in the outbox.

Loans due within ``DUE_SOON_DAYS`` or past due, with an SMS contact point, get one
``payment_reminder`` outbox row keyed by loan and due date; the dispatcher (``outreach.outbox``)
decides at send time whether it goes now, later (outside the contact window, over a cap) or never
(opt-out, flag, no consent: logged as blocked).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from babel.dates import format_date
from sqlalchemy import String, and_, cast, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .message_templates import render
from .models import Borrower, ContactPoint, Loan, OutboxItem
from .settings import Settings

log = logging.getLogger(__name__)
DUE_SOON_DAYS = 3
TEMPLATE = "payment_reminder"


@dataclass
class PlanReport:
    considered: int = 0
    queued: int = 0


def reminder_key(loan_id: int, due: object) -> str:
    return f"reminder:{loan_id}:{due}"


def due_loans(session: Session, now: datetime) -> list[tuple[Loan, ContactPoint]]:
    """Loans due soon or past due whose reminder for the current due date is not queued yet."""
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
               ~select(OutboxItem.id).where(OutboxItem.idempotency_key == key).exists())
        .order_by(Loan.id)
    ).all()
    return [(loan, point) for loan, point in rows]


def plan_reminders(session: Session, settings: Settings, now: datetime) -> PlanReport:
    report = PlanReport()
    for loan, point in due_loans(session, now):
        report.considered += 1
        locale = loan.borrower.locale or "en"
        body = render(TEMPLATE, "sms", locale, lender=settings.lender_name,
                      due_date=format_date(loan.next_due_date, "long",
                                           locale=locale.replace("-", "_")))
        try:
            with session.begin_nested():
                session.add(OutboxItem(
                    idempotency_key=reminder_key(loan.id, loan.next_due_date.isoformat()),
                    borrower_id=loan.borrower_id, loan_id=loan.id, channel="sms",
                    address=point.address, template=TEMPLATE, body=body, not_before=now))
            report.queued += 1
        except IntegrityError:
            continue  # another planner queued it first: the key guarantees one reminder
    session.commit()
    log.info("plan: %s", report)
    return report
