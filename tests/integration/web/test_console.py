"""Officer console: sign-in, roles, the queue, claim, reply on the borrower's channel, close."""

from sqlalchemy import select

from outreach.models import AuditEvent, Conversation, HandoffCase, Message
from tests.support.cases import handed_off
from tests.support.officers import login, make_officer


def test_it_sends_anonymous_visitors_to_login(client):
    resp = client.get("/console/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_it_refuses_a_wrong_password(client, session):
    officer = make_officer(session)
    resp = login(client, officer, password="guess")
    assert resp.status_code == 401 and b"Wrong email or password" in resp.data
    assert client.get("/console/").status_code == 302


def test_it_refuses_the_console_to_an_auditor(client, session):
    login(client, make_officer(session, "auditor"))
    assert client.get("/console/").status_code == 403


def test_it_shows_the_handed_off_conversation_in_the_queue(client, session, settings):
    case = handed_off(session, settings)
    login(client, make_officer(session))
    page = client.get("/console/").get_data(as_text=True)
    assert f"#{case.id}" in page and "Ana Garcia" in page and "requested" in page


def test_it_lets_the_officer_claim_reply_and_close(client, session, settings):
    case = handed_off(session, settings)
    officer = make_officer(session)
    login(client, officer)

    page = client.get(f"/console/cases/{case.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    # The policy status for an answer now sits next to the reply box.
    assert 'id="policy-status"' in page and "America/Chicago" in page
    assert "reply to the borrower" in page

    client.post(f"/console/cases/{case.id}/claim")
    client.post(f"/console/cases/{case.id}/reply", data={"body": "Hello Ana, I can help."})
    sent = session.scalar(select(Message).where(Message.sender == "officer"))
    assert (sent.channel, sent.address, sent.officer_id) == ("sms", "+13125550100", officer.id)
    assert sent.status == "delivered" and sent.decision["allowed"] is True

    resp = client.post(f"/console/cases/{case.id}/close", follow_redirects=True)
    session.expire_all()
    assert session.get(HandoffCase, case.id).status == "closed"
    assert session.get(Conversation, case.conversation_id).owner == "bot"
    assert b"bot could not be resumed" in resp.data  # no Rasa in this test: said, not hidden


def test_it_answers_on_whatsapp_when_the_conversation_is_on_whatsapp(client, session, settings):
    case = handed_off(session, settings, channel="whatsapp")
    login(client, make_officer(session))
    client.post(f"/console/cases/{case.id}/claim")
    client.post(f"/console/cases/{case.id}/reply", data={"body": "Hi from WhatsApp"})
    sent = session.scalar(select(Message).where(Message.sender == "officer"))
    assert sent.channel == "whatsapp"


def test_it_keeps_a_claimed_case_with_its_officer(client, session, settings):
    case = handed_off(session, settings)
    first, second = make_officer(session), make_officer(session, email="other@lender.test")
    login(client, first)
    client.post(f"/console/cases/{case.id}/claim")
    client.post("/logout")
    login(client, second)
    client.post(f"/console/cases/{case.id}/claim")
    client.post(f"/console/cases/{case.id}/reply", data={"body": "sneaky"})
    session.expire_all()
    assert session.get(HandoffCase, case.id).claimed_by_id == first.id
    assert session.scalar(select(Message).where(Message.sender == "officer")) is None


def test_it_audits_which_officer_opened_which_borrower(client, session, settings):
    case = handed_off(session, settings)
    officer = make_officer(session)
    login(client, officer)
    client.get(f"/console/cases/{case.id}")
    viewed = session.scalar(select(AuditEvent).where(AuditEvent.action == "borrower.viewed"))
    assert viewed.actor == f"officer:{officer.id}" and viewed.borrower_id == case.borrower_id


def test_it_requires_csrf_tokens_on_console_forms(app, client, session, settings):
    app.config["WTF_CSRF_ENABLED"] = True
    officer = make_officer(session)
    resp = client.post("/login", data={"email": officer.email, "password": "x"})
    assert resp.status_code == 400  # no CSRF token


def test_it_answers_404_for_a_case_id_past_64_bits(client, session):
    login(client, make_officer(session, "officer"))
    for case_id in (2**63, 2**64, "²"):
        assert client.get(f"/console/cases/{case_id}").status_code == 404, case_id
    assert client.post(f"/console/cases/{2**64}/claim").status_code == 404


def test_it_names_a_crafted_officer_id_when_reassigning(client, session, settings):
    case = handed_off(session, settings)
    login(client, make_officer(session, "supervisor"))
    for officer_id in ("²", str(2**64), "-1", "1.0"):
        resp = client.post(
            f"/console/cases/{case.id}/reassign",
            data={"officer_id": officer_id},
            follow_redirects=True,
        )
        assert resp.status_code == 200, officer_id
        assert b"officer_id: choose an active officer or supervisor." in resp.data
    session.expire_all()
    assert session.get(HandoffCase, case.id).claimed_by_id is None
