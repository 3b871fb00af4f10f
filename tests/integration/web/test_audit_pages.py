"""Auditor pages list every message of a borrower, both directions, decisions included."""

from outreach.messaging.send import record_blocked
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


def test_it_answers_400_naming_a_crafted_page_cursor(client, session):
    login(client, make_officer(session, "auditor"))
    for after in ("99999999999999999999", "²", "-1"):
        page = client.get(f"/audit/?after={after}")
        assert page.status_code == 400, after
        assert "after: must be a whole number" in page.get_data(as_text=True)


def test_it_answers_404_for_an_id_past_64_bits_in_a_path(client, session):
    login(client, make_officer(session, "auditor"))
    for path in (f"/audit/borrowers/{2**64}", f"/audit/borrowers/{2**63}/subject-access.json"):
        assert client.get(path).status_code == 404, path
