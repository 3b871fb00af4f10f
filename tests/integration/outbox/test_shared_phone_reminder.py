"""A reminder to a phone two group members share (issue 20): whoever holds the phone may be
the other member, so it names no one and carries no amount, date, loan or payment link."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from outreach.models import Message
from tests.support.factories import make_borrower
from tests.support.reminders import INSIDE, remind

SHARED = "+13125550100"


def test_a_shared_phone_gets_no_amount_name_or_pay_link(session, settings):
    make_borrower(session, phone=SHARED, external_id="B-1", full_name="Ana Garcia")
    make_borrower(
        session,
        phone=SHARED,
        external_id="B-2",
        full_name="Rosa Diaz",
        loan={"loan_number": "LN-ROSA-7777", "past_due_amount": Decimal("99.00")},
    )
    assert remind(session, settings, INSIDE).sent == 2
    bodies = [m.body for m in session.scalars(select(Message).where(Message.direction == "out"))]
    assert len(bodies) == 2
    for body in bodies:
        assert "someone using this phone" in body and "MENU" in body and "STOP" in body
        for secret in ("$", "420", "99", "Ana", "Rosa", "7777", "http", "December"):
            assert secret not in body, (secret, body)


def test_a_phone_of_one_borrower_still_gets_the_full_reminder(session, settings):
    make_borrower(session, phone=SHARED)
    make_borrower(session, phone="+13125550199", external_id="B-other")
    remind(session, settings, INSIDE)
    mine = session.scalar(select(Message).where(Message.address == SHARED))
    assert "$420.00" in mine.body and "someone using this phone" not in mine.body
