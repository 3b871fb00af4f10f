"""Messages about a settlement or holiday, queued in the outbox like every reminder: the
dispatcher renders them, re-checks the contact policy at send time and defers, never drops.

Templates (``templates/messages/<name>/<channel>.<locale>.j2``): ``settlement_confirmation``
(the written confirmation of the agreed terms: by email first, as US-NY requires written
confirmation within 5 days and email is the written channel we hold; SMS where no email is on
file), ``settlement_reminder`` (before the deadline), ``settlement_paid`` (paid in full for
less), ``settlement_expired`` (the deadline passed: the remaining options). One row per
settlement and template (idempotency key ``r:<id>:<template>[:<date>]``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.models import Loan, OutboxItem, Resolution

CHANNELS = {
    "settlement_confirmation": ["email", "sms", "whatsapp"],
    "settlement_reminder": ["sms", "whatsapp", "email"],
    "settlement_paid": ["email", "sms", "whatsapp"],
    "settlement_expired": ["sms", "whatsapp", "email"],
}


def jurisdiction(country: str, region: str | None) -> str:
    """``US-NY``, ``US``, ``GB``...: the rule pack the wording follows."""
    return f"{country}-{region}" if region and country == "US" else country


def queue_notice(
    session: Session,
    row: Resolution,
    loan: Loan,
    template: str,
    now: datetime,
    *,
    suffix: str = "",
    amount: Decimal | None = None,
) -> OutboxItem | None:
    """Queue ``template`` for ``row`` (None when that one was queued already)."""
    key = f"r:{row.id}:{template}{':' + suffix if suffix else ''}"
    if session.scalar(select(OutboxItem.id).where(OutboxItem.idempotency_key == key)):
        return None
    borrower = loan.borrower
    channels = CHANNELS[template]
    item = OutboxItem(
        idempotency_key=key,
        borrower_id=row.borrower_id,
        loan_id=row.loan_id,
        channel=channels[0],
        address="",
        template=template,
        body="",
        status="pending",
        not_before=now,
        attempts=0,
        step=template[:32],
        locale=borrower.locale or "en",
        payload={
            "kind": "resolution",
            "channels": channels,
            "resolution_id": row.id,
            "amount": str(amount if amount is not None else row.amount),
            "currency": row.currency,
            "balance": str(row.balance),
            "deadline": row.deadline.isoformat() if row.deadline else None,
            "jurisdiction": jurisdiction(borrower.country, borrower.region),
        },
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    session.flush()
    return item
