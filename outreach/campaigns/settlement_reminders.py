"""Settlement reminders: an accepted settlement replaces the cadence with one reminder
``DAYS_BEFORE`` days before its deadline (the borrower's dates), inside the contact policy like
every message (the dispatcher re-checks it at send time). Key ``s:<settlement>:<deadline>``.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from outreach.campaigns.candidates import BORROWER_PLACE, BorrowerDays
from outreach.campaigns.report import Planned
from outreach.campaigns.stops import flag_open, handoff_open
from outreach.models import Borrower, Loan, Resolution

DAYS_BEFORE = 3
TEMPLATE = "settlement_reminder"
CHANNELS = ("sms", "whatsapp", "email")


def settlement_candidates(session: Session, days: BorrowerDays) -> list[Planned]:
    """One reminder per accepted settlement whose deadline is ``DAYS_BEFORE`` days away or
    less (and not passed) on its borrower's today."""
    utc = days.utc_date
    rows = session.execute(
        select(
            Resolution.id,
            Resolution.deadline,
            Resolution.amount,
            Resolution.balance,
            Resolution.currency,
            Loan.id,
            Loan.borrower_id,
            Borrower.locale,
            *BORROWER_PLACE,
        )
        .join(Loan, Loan.id == Resolution.loan_id)
        .join(Borrower, Borrower.id == Loan.borrower_id)
        .where(
            Resolution.kind == "settlement",
            Resolution.status == "accepted",
            Resolution.deadline >= utc - timedelta(days=1),
            Resolution.deadline <= utc + timedelta(days=DAYS_BEFORE + 1),
            ~or_(flag_open(), handoff_open()),
        )
    ).all()
    out = []
    for rid, deadline, amount, balance, currency, loan_id, borrower_id, locale, *place in rows:
        country, region = place[0], place[1]
        today = days.today(*place)
        if not today <= deadline <= today + timedelta(days=DAYS_BEFORE):
            continue
        out.append(
            Planned(
                key=f"s:{rid}:{deadline.isoformat()}",
                loan_id=loan_id,
                borrower_id=borrower_id,
                step="settlement",
                template=TEMPLATE,
                channels=CHANNELS,
                locale=locale or "en",
                stopped_by=None,
                payload={
                    "kind": "resolution",
                    "channels": list(CHANNELS),
                    "amount": str(amount),
                    "currency": currency,
                    "balance": str(balance),
                    "deadline": deadline.isoformat(),
                    "resolution_id": rid,
                    "jurisdiction": f"{country}-{region}"
                    if region and country == "US"
                    else country,
                },
            )
        )
    return out
