"""What the bot's actions call, on a phone two group members share (issue 20): the identity
check decides whose account the conversation is, and nothing is shown before it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from outreach import selfservice
from outreach.conversations.inbound import open_conversation
from tests.support.factories import make_borrower

SHARED = "+254712345678"
pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def members(session):
    def member(number, born, outstanding):
        return make_borrower(
            session,
            phone=SHARED,
            external_id=f"KE-{number}",
            country="KE",
            region="30",
            postal_code="00100",
            date_of_birth=born,
            loan={"loan_number": number, "currency": "KES", "outstanding": Decimal(outstanding)},
        )

    return member("KE-100-2005", date(1990, 5, 17), "12000.00"), member(
        "KE-100-3117", date(1988, 2, 3), "4500.00"
    )


def new_conversation(session):
    conv = open_conversation(session, "sms", SHARED)
    session.commit()
    return conv


def verify(settings, conv, born, last4):
    selfservice.submit_factor(conv.public_id, "date_of_birth", born, settings)
    return selfservice.submit_factor(conv.public_id, "loan_last4", last4, settings)


def test_each_member_sees_only_their_own_balance(settings, session, members):
    first = new_conversation(session)
    assert selfservice.balance_for(first.public_id, settings) is None
    assert verify(settings, first, "03/02/1988", "3117").verified
    mine = selfservice.balance_for(first.public_id, settings)
    assert mine.loan_ref == "••••3117" and "4,500.00" in mine.outstanding

    first.status = "closed"  # the next holder of the phone starts a new conversation
    session.commit()
    second = new_conversation(session)
    assert verify(settings, second, "17/05/1990", "2005").verified
    other = selfservice.balance_for(second.public_id, settings)
    assert other.loan_ref == "••••2005" and "12,000.00" in other.outstanding


def test_answers_that_mix_the_two_members_verify_nobody(settings, session, members):
    conv = new_conversation(session)
    result = verify(settings, conv, "17/05/1990", "3117")
    assert not result.verified and not result.pending
    assert selfservice.balance_for(conv.public_id, settings) is None
    session.refresh(conv)
    assert conv.borrower_id is None


def test_a_failed_recheck_hands_the_conversation_back_to_nobody(settings, session, members):
    conv = new_conversation(session)
    assert verify(settings, conv, "03/02/1988", "3117").verified
    assert not verify(settings, conv, "01/01/1970", "2005").verified
    assert selfservice.balance_for(conv.public_id, settings) is None
    session.refresh(conv)
    assert conv.borrower_id is None
