"""Auditor pages list every message of a borrower, both directions, decisions included."""

from outreach.messaging import record_blocked
from outreach.models import Message
from tests.support.factories import make_borrower
from tests.support.officers import login, make_officer


def test_it_lists_every_message_with_decision_and_status(client, session):
    borrower = make_borrower(session)
    session.add(
        Message(
            borrower_id=borrower.id,
            direction="in",
            channel="sms",
            address="+13125550100",
            sender="borrower",
            body="<b>hi</b>",
            status="received",
        )
    )
    session.commit()
    record_blocked(
        session,
        channel="sms",
        address="+13125550100",
        body="Reminder",
        sender="scheduler",
        borrower_id=borrower.id,
        decision={"allowed": False, "reasons": ["contact_window"], "rules_version": "US@abc"},
    )
    login(client, make_officer(session, "auditor"))
    page = client.get(f"/audit/borrowers/{borrower.id}").get_data(as_text=True)
    assert "&lt;b&gt;hi&lt;/b&gt;" in page
    assert "blocked: contact_window" in page and "US@abc" in page
    assert client.get("/audit/").status_code == 200


def test_it_refuses_audit_pages_to_an_officer(client, session):
    borrower = make_borrower(session)
    login(client, make_officer(session, "officer"))
    assert client.get(f"/audit/borrowers/{borrower.id}").status_code == 403
