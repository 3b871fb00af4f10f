"""The officer's reply speaks only of the case borrower's own loan (issue 20): naming another
member of their group, or a borrower on the same phone, or their loan number is refused."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from outreach.models import GroupMember, LoanGroup, Message
from tests.support.cases import handed_off
from tests.support.factories import make_borrower
from tests.support.officers import login, make_officer


@pytest.fixture
def case_with_member(session, settings):
    """Ana Garcia's case; Rosa Diaz is in her group (another phone), Luz Perez shares her phone."""
    case = handed_off(session, settings)
    rosa = make_borrower(
        session,
        phone="+13125550177",
        external_id="B-rosa",
        full_name="Rosa Diaz",
        loan={"loan_number": "LN-0042-7777", "outstanding": Decimal("999.00")},
    )
    make_borrower(
        session,
        phone="+13125550100",
        external_id="B-luz",
        full_name="Luz Perez",
        loan={"loan_number": "LN-0099-5151"},
    )
    group = LoanGroup(external_id="G-1", name="Upendo")
    session.add(group)
    session.flush()
    session.add_all(
        [
            GroupMember(group_id=group.id, borrower_id=case.borrower_id),
            GroupMember(group_id=group.id, borrower_id=rosa.id),
        ]
    )
    session.commit()
    officer = make_officer(session)
    return case, officer


def reply(client, case, body):
    return client.post(
        f"/console/cases/{case.id}/reply", data={"body": body}, follow_redirects=True
    ).get_data(as_text=True)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("Rosa Diaz has already paid, Ana.", "names another member"),
        ("Your friend rosa said you would pay.", "names another member"),
        ("Luz asked about this loan.", "names another member"),
        ("Loan ln-0042-7777 is also late.", "names another member&#39;s loan number"),
        ("The loan ••••7777 is settled.", "names another member&#39;s loan number"),
        ("Your phone-mate's LN 0099 5151 is due.", "names another member&#39;s loan number"),
    ],
)
def test_it_refuses_a_reply_naming_another_member(client, session, case_with_member, body, error):
    case, officer = case_with_member
    login(client, officer)
    client.post(f"/console/cases/{case.id}/claim")
    page = reply(client, case, body)
    assert "body: " + error in page
    assert session.scalar(select(Message).where(Message.sender == "officer")) is None


def test_it_sends_a_reply_about_the_borrowers_own_loan(client, session, case_with_member):
    case, officer = case_with_member
    login(client, officer)
    client.post(f"/console/cases/{case.id}/claim")
    reply(client, case, "Hello Ana Garcia, your loan ending 1234 has 420.00 past due.")
    sent = session.scalar(select(Message).where(Message.sender == "officer"))
    assert sent is not None and sent.status == "delivered"


def test_the_case_view_shows_only_the_case_borrowers_loan(client, session, case_with_member):
    case, officer = case_with_member
    login(client, officer)
    page = client.get(f"/console/cases/{case.id}").get_data(as_text=True)
    assert "Ana Garcia" in page
    for other in ("Rosa", "Luz", "7777", "5151", "999.00"):
        assert other not in page
