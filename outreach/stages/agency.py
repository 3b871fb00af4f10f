"""The agency placement export: a CSV of the accounts supervisors placed with an agency.

One row per account in the ``agency`` stage (optionally one agency's, placed since a date), with
what the agency needs to work it and who placed it. Cells that a spreadsheet would run as a
formula are neutralised (``outreach.audit.csv_cells``, OWASP CSV injection).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.audit.csv_cells import safe_cell
from outreach.models import Borrower, ContactPoint, Loan, Officer
from outreach.models.stages import AccountStage

COLUMNS = (
    "loan_number",
    "borrower_ref",
    "full_name",
    "country",
    "region",
    "postal_code",
    "postal_address",
    "phone",
    "email",
    "currency",
    "outstanding",
    "past_due_amount",
    "days_past_due",
    "agency",
    "placed_at",
    "placed_by",
    "reason",
)


def placements(
    session: Session, agency: str | None = None, since: datetime | None = None
) -> list[dict[str, str]]:
    query = (
        select(AccountStage, Loan, Borrower, Officer)
        .join(Loan, Loan.id == AccountStage.loan_id)
        .join(Borrower, Borrower.id == Loan.borrower_id)
        .outerjoin(Officer, Officer.id == AccountStage.reviewed_by_id)
        .where(AccountStage.stage == "agency")
        .order_by(AccountStage.since, Loan.id)
    )
    if agency:
        query = query.where(AccountStage.agency == agency)
    if since is not None:
        query = query.where(AccountStage.since >= since)
    out = []
    for stage, loan, borrower, officer in session.execute(query).all():
        points = session.scalars(
            select(ContactPoint).where(
                ContactPoint.borrower_id == borrower.id, ContactPoint.invalid_at.is_(None)
            )
        ).all()

        addresses = {}
        for point in points:
            addresses.setdefault(point.channel, point.address)

        def first(channel: str, addresses: dict[str, str] = addresses) -> str:
            return addresses.get(channel, "")

        out.append(
            {
                "loan_number": loan.loan_number,
                "borrower_ref": borrower.external_id,
                "full_name": borrower.full_name,
                "country": borrower.country,
                "region": borrower.region or "",
                "postal_code": borrower.postal_code or "",
                "postal_address": first("letter").replace("\n", ", "),
                "phone": first("sms"),
                "email": first("email"),
                "currency": loan.currency,
                "outstanding": f"{loan.outstanding:.2f}",
                "past_due_amount": f"{loan.past_due_amount:.2f}",
                "days_past_due": str(loan.days_past_due or 0),
                "agency": stage.agency or "",
                "placed_at": stage.since.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "placed_by": officer.email if officer is not None else "",
                "reason": stage.review_reason or "",
            }
        )
    return out


def placements_csv(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([safe_cell(row[c]) for c in COLUMNS])
    return buf.getvalue()
