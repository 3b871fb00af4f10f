"""Small builders for test data: one borrower with a loan and contact points."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from outreach.models import Borrower, ContactPoint, Loan

CONSENTED = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)


def make_borrower(
    session: Session,
    *,
    phone: str = "+13125550100",
    whatsapp: bool = False,
    loan: dict[str, Any] | None = None,
    **fields: Any,
) -> Borrower:
    values = {
        "external_id": f"B-{phone}",
        "full_name": "Ana Garcia",
        "locale": "en_US",
        "country": "US",
        "region": "IL",
        "postal_code": "60601",
        "date_of_birth": date(1985, 3, 14),
    }
    values.update(fields)
    borrower = Borrower(**values)
    session.add(borrower)
    session.flush()
    channels = ["sms"] + (["whatsapp"] if whatsapp else [])
    for channel in channels:
        session.add(
            ContactPoint(
                borrower_id=borrower.id,
                channel=channel,
                address=phone,
                consent_source="loan_agreement",
                consent_at=CONSENTED,
            )
        )
    loan_values = {
        "loan_number": f"LN{borrower.id:08d}1234",
        "product": "personal",
        "currency": "USD",
        "principal": Decimal("5000.00"),
        "outstanding": Decimal("3210.55"),
        "past_due_amount": Decimal("420.00"),
        "days_past_due": 15,
        "next_due_date": date(2026, 12, 1),
        "next_due_amount": Decimal("420.00"),
        "status": "delinquent",
    }
    loan_values.update(loan or {})
    session.add(Loan(borrower_id=borrower.id, **loan_values))
    session.commit()
    return borrower
