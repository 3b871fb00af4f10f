"""A Kenyan borrower with a KES loan and an SMS conversation: what the M-Pesa tests start from."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from outreach.models import Borrower, Conversation, Message, OutboxItem, PromiseToPay
from tests.support.factories import make_borrower

PHONE = "+254712345678"
MSISDN = "254712345678"


def kenyan(
    session, *, phone: str = PHONE, locale: str = "en_KE", loan_number: str = "KE-100-2005"
) -> Borrower:
    """Wanjiru, 5,000 KES in arrears of 41,000 owed."""
    return make_borrower(
        session,
        phone=phone,
        full_name="Wanjiru Mwangi",
        country="KE",
        region="30",
        postal_code="00100",
        locale=locale,
        loan={
            "loan_number": loan_number,
            "product": "microloan",
            "currency": "KES",
            "principal": Decimal("60000.00"),
            "outstanding": Decimal("41000.00"),
            "past_due_amount": Decimal("5000.00"),
            "next_due_amount": Decimal("5000.00"),
        },
    )


def conversation(session, borrower: Borrower, body: str = "I want to pay now") -> Conversation:
    """The borrower's SMS conversation, in which they just asked to pay."""
    point = borrower.contact_points[0]
    conv = Conversation(channel="sms", address=point.address, borrower_id=borrower.id)
    session.add(conv)
    session.add(
        Message(
            conversation=conv,
            borrower_id=borrower.id,
            direction="in",
            channel="sms",
            address=point.address,
            sender="borrower",
            body=body,
            status="received",
        )
    )
    session.commit()
    return conv


def promise(session, borrower: Borrower, amount: str, clock) -> PromiseToPay:
    ptp = PromiseToPay(
        loan_id=borrower.loans[0].id,
        borrower_id=borrower.id,
        amount=Decimal(amount),
        promised_date=borrower.today(clock.now()) + timedelta(days=3),
        created_by="bot",
    )
    session.add(ptp)
    session.commit()
    return ptp


def reminder(session, borrower: Borrower, amount: str) -> OutboxItem:
    point = borrower.contact_points[0]
    item = OutboxItem(
        idempotency_key=f"loan:{borrower.loans[0].id}:d15",
        borrower_id=borrower.id,
        loan_id=borrower.loans[0].id,
        channel="sms",
        address=point.address,
        template="payment_reminder",
        body="You owe ...",
        status="pending",
        payload={"kind": "cadence", "amount": amount, "currency": "KES", "channels": ["sms"]},
    )
    session.add(item)
    session.commit()
    return item
