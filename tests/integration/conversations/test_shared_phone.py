"""Two group members who share one phone (issue 20): the identity check decides whose
conversation it is; each learns only their own loan, a wrong answer reveals nothing."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from outreach.models import Conversation
from tests.integration.conversations.test_sms_menu import KENYAN, say
from tests.support.factories import make_borrower


def _member(session, name, born, number, outstanding):
    return make_borrower(
        session,
        phone=KENYAN,
        external_id=f"KE-{number}",
        full_name=name,
        country="KE",
        region="30",
        postal_code="00100",
        locale="sw_KE",
        date_of_birth=born,
        loan={
            "loan_number": number,
            "product": "microloan",
            "currency": "KES",
            "outstanding": Decimal(outstanding),
            "past_due_amount": Decimal("100.00"),
            "next_due_amount": Decimal("100.00"),
        },
    )


@pytest.fixture
def members(session, clock):
    wanjiru = _member(session, "Wanjiru Kamau", date(1990, 5, 17), "KE-100-2005", "12000.00")
    akinyi = _member(session, "Akinyi Otieno", date(1988, 2, 3), "KE-100-3117", "4500.00")
    return wanjiru, akinyi


def test_the_conversation_on_a_shared_phone_names_nobody_before_the_check(
    client, settings, session, members
):
    asked = say(client, settings, session, "1")
    assert "tarehe yako ya kuzaliwa" in asked  # still served in the members' language
    assert session.scalar(select(Conversation)).borrower_id is None


def test_each_member_verifies_as_themself_and_learns_only_their_own_loan(
    client, settings, session, members
):
    wanjiru, akinyi = members
    say(client, settings, session, "1")
    say(client, settings, session, "03/02/1988")
    balance = say(client, settings, session, "3117")
    assert "4,500.00" in balance and "12,000" not in balance
    assert session.scalar(select(Conversation)).borrower_id == akinyi.id

    # The other member, in a later conversation on the same phone (after the idle close).
    session.scalar(select(Conversation)).status = "closed"
    session.commit()
    say(client, settings, session, "1")
    say(client, settings, session, "17/05/1990")
    balance = say(client, settings, session, "2005")
    assert "12,000.00" in balance and "4,500" not in balance
    open_conv = session.scalar(select(Conversation).where(Conversation.status == "open"))
    assert open_conv.borrower_id == wanjiru.id


@pytest.mark.parametrize(
    ("born", "last4"),
    [
        ("17/05/1990", "3117"),  # one member's birth date, the other member's loan
        ("01/01/1980", "2005"),  # nobody's birth date
    ],
)
def test_a_wrong_or_mixed_answer_reveals_nothing(client, settings, session, members, born, last4):
    say(client, settings, session, "1")
    say(client, settings, session, born)
    failed = say(client, settings, session, last4)
    assert "hayalingani" in failed and "Ksh" not in failed
    assert "Wanjiru" not in failed and "Akinyi" not in failed
    assert session.scalar(select(Conversation)).borrower_id is None
    # The plan option asks again: nothing of either account was unlocked.
    assert "tarehe yako ya kuzaliwa" in say(client, settings, session, "3")
