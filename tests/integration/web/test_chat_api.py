"""Web chat widget endpoints: sessions from a signed link or anonymous, messages through the
inbound pipeline, the transcript as JSON text, tampered keys refused, rate limits."""

from sqlalchemy import select

from outreach import clock as app_clock
from outreach.conversations.notices import BOT_UNAVAILABLE
from outreach.messaging.links import make_token
from outreach.models import AuditEvent, Conversation, Message
from outreach.selfservice import open_handoff
from tests.support.factories import make_borrower


def start(client, **body):
    resp = client.post("/chat/api/session", json=body)
    assert resp.status_code == 201, resp.data
    return resp.get_json()


def test_it_ties_a_chat_opened_from_a_signed_link_to_its_borrower(client, session, settings):
    borrower = make_borrower(session)
    data = start(client, link=make_token(settings, borrower.id), locale="es")
    assert data["link"] == "valid"
    conv = session.scalar(select(Conversation).where(Conversation.channel == "web"))
    assert conv.borrower_id == borrower.id and conv.identity_verified_at is None


def test_it_starts_an_anonymous_chat_when_the_link_is_altered(client, session, settings):
    borrower = make_borrower(session)
    data = start(client, link=make_token(settings, borrower.id) + "x")
    assert data["link"] == "invalid"
    conv = session.scalar(select(Conversation).where(Conversation.channel == "web"))
    assert conv.borrower_id is None


def test_it_sends_chat_text_through_the_inbound_pipeline(client, session):
    key = start(client)["key"]
    resp = client.post(
        "/chat/api/messages",
        json={"text": "<script>alert(1)</script> hi"},
        headers={"X-Chat-Key": key},
    )
    assert resp.status_code == 201
    msgs = resp.get_json()["messages"]
    # The text comes back verbatim as JSON data; the widget inserts it with textContent.
    assert msgs[0] == {**msgs[0], "direction": "in", "body": "<script>alert(1)</script> hi"}
    assert msgs[1]["body"] == BOT_UNAVAILABLE  # no Rasa in this test: the fallback is answered
    rows = session.scalars(select(Message).order_by(Message.id)).all()
    assert [(m.channel, m.direction, m.status) for m in rows] == [
        ("web", "in", "received"),
        ("web", "out", "delivered"),
    ]
    assert rows[1].decision["basis"] == "web_session_reply"
    later = client.get(f"/chat/api/messages?after={msgs[0]['id']}", headers={"X-Chat-Key": key})
    assert [m["body"] for m in later.get_json()["messages"]] == [BOT_UNAVAILABLE]


def test_it_shows_the_officer_reply_after_a_handoff(client, session, settings):
    key = start(client)["key"]
    client.post("/chat/api/messages", json={"text": "agent"}, headers={"X-Chat-Key": key})
    conv = session.scalar(select(Conversation).where(Conversation.channel == "web"))
    open_handoff(conv.public_id, "requested", {}, settings=settings)
    resp = client.post(
        "/chat/api/messages", json={"text": "still there?"}, headers={"X-Chat-Key": key}
    )
    assert resp.get_json()["owner"] == "officer"
    assert resp.get_json()["messages"][-1]["body"] == "still there?"  # no bot answer now


def test_it_refuses_a_tampered_key_and_bad_fields(client):
    key = start(client)["key"]
    assert client.get("/chat/api/messages", headers={"X-Chat-Key": key + "0"}).status_code == 404
    resp = client.post("/chat/api/messages", json={"text": "  "}, headers={"X-Chat-Key": key})
    assert resp.status_code == 400 and resp.get_json()["error"].startswith("text:")
    resp = client.post("/chat/api/messages", json={"text": "x" * 1001}, headers={"X-Chat-Key": key})
    assert resp.status_code == 400
    resp = client.get("/chat/api/messages?after=abc", headers={"X-Chat-Key": key})
    assert resp.status_code == 400 and resp.get_json()["error"].startswith("after:")


def test_it_identifies_an_anonymous_visitor_without_saying_whether_the_loan_exists(client, session):
    borrower = make_borrower(session)
    loan_number = borrower.loans[0].loan_number
    wrong_key, right_key = start(client)["key"], start(client)["key"]
    wrong = client.post(
        "/chat/api/identify", json={"loan_number": "LN000"}, headers={"X-Chat-Key": wrong_key}
    )
    right = client.post(
        "/chat/api/identify",
        json={"loan_number": loan_number.lower()},
        headers={"X-Chat-Key": right_key},
    )
    assert wrong.get_json() == right.get_json() == {"ok": True}
    convs = session.scalars(
        select(Conversation).where(Conversation.channel == "web").order_by(Conversation.id)
    ).all()
    assert [c.borrower_id for c in convs] == [None, borrower.id]
    assert all(c.identify_key and c.identity_verified_at is None for c in convs)
    outcomes = session.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "chat.identify")
    ).all()
    assert [d["matched"] for d in outcomes] == [False, True]


def test_it_rate_limits_new_chat_sessions(client):
    codes = [client.post("/chat/api/session", json={}).status_code for _ in range(11)]
    assert codes[:10] == [201] * 10 and codes[10] == 429


def test_it_rate_limits_sign_in_attempts(client):
    codes = [
        client.post("/login", data={"email": "x@y.z", "password": "nope"}).status_code
        for _ in range(11)
    ]
    assert codes == [401] * 5 + [429] * 6  # the account lock-out (tests/integration/test_auth.py)


def test_it_serves_the_widget_bundle_and_the_link_page(client, settings, session):
    js = client.get("/chat/widget.js")
    assert js.status_code == 200 and "textContent" in js.get_data(as_text=True)
    assert js.headers["Access-Control-Allow-Origin"] == "*"
    assert b"http" not in js.data.split(b"*/", 1)[1].replace(b"https://lender", b"")
    borrower = make_borrower(session)
    page = client.get(f"/chat/?t={make_token(settings, borrower.id)}&lang=es")
    assert b'data-lang="es"' in page.data and b'data-link="' in page.data
    assert b"caducado" not in page.data
    expired = client.get("/chat/?t=nonsense")
    assert b"expired or is not valid" in expired.data and b'data-link=""' in expired.data


def test_it_keeps_web_chat_turns_out_of_the_sms_policy_facts(client, session, settings):
    from outreach.messaging.contact_policy import check_contact

    borrower = make_borrower(session)
    key = start(client, link=make_token(settings, borrower.id))["key"]
    client.post("/chat/api/messages", json={"text": "hello"}, headers={"X-Chat-Key": key})
    decision = check_contact(session, borrower, "sms", app_clock.now(), initiated_by="borrower")
    assert "web" not in (decision["facts"].get("last_inbound") or {})
    assert decision["allowed"] is True


def test_it_refuses_an_expired_chat_key(client, clock):
    key = start(client)["key"]
    clock.advance(hours=12)
    assert client.get("/chat/api/messages", headers={"X-Chat-Key": key}).status_code == 200
    clock.advance(seconds=2)  # widget keys live 12 hours
    assert client.get("/chat/api/messages", headers={"X-Chat-Key": key}).status_code == 404


def test_it_leaves_stop_in_the_web_chat_to_the_bot_not_the_phone_keywords(
    client, session, settings
):
    borrower = make_borrower(session)
    key = start(client, link=make_token(settings, borrower.id))["key"]
    resp = client.post("/chat/api/messages", json={"text": "STOP"}, headers={"X-Chat-Key": key})
    bodies = [m["body"] for m in resp.get_json()["messages"]]
    assert not any("no longer receive messages on this number" in b for b in bodies)
    session.expire_all()
    assert all(p.opted_out_at is None for p in borrower.contact_points)
    assert not session.scalar(select(AuditEvent).where(AuditEvent.action == "consent.opt_out"))


def test_it_never_says_whether_a_chat_is_tied_to_an_account(client, session):
    # Finding 8: the messages API answered identified: true/false, so a visitor learned which
    # loan numbers exist.
    borrower = make_borrower(session)
    answers = []
    for number in (borrower.loans[0].loan_number, "LN0000000099999"):
        key = start(client)["key"]
        client.post("/chat/api/identify", json={"loan_number": number}, headers={"X-Chat-Key": key})
        answers.append(client.get("/chat/api/messages", headers={"X-Chat-Key": key}).get_json())
    assert answers[0] == answers[1] == {"messages": [], "owner": "bot"}
    linked = start(client, link=make_token(client.application.extensions["settings"], borrower.id))
    got = client.get("/chat/api/messages", headers={"X-Chat-Key": linked["key"]}).get_json()
    assert "identified" not in got


def test_it_rate_limits_naming_one_loan_number_from_many_addresses(client, session):
    borrower = make_borrower(session)
    number = borrower.loans[0].loan_number
    codes = []
    for n in range(11):
        address = {"REMOTE_ADDR": f"203.0.113.{n + 1}"}
        key = client.post("/chat/api/session", json={}, environ_base=address).get_json()["key"]
        spelled = number.lower() if n % 2 else f" {number[:4]}-{number[4:]} "
        codes.append(
            client.post(
                "/chat/api/identify",
                json={"loan_number": spelled},
                headers={"X-Chat-Key": key},
                environ_base=address,
            ).status_code
        )
    assert codes == [200] * 10 + [429]
    other = {"REMOTE_ADDR": "203.0.113.99"}
    key = client.post("/chat/api/session", json={}, environ_base=other).get_json()["key"]
    resp = client.post(
        "/chat/api/identify",
        json={"loan_number": "LN0000000099999"},
        headers={"X-Chat-Key": key},
        environ_base=other,
    )
    assert resp.status_code == 200  # another loan number has its own count


def test_it_rate_limits_naming_accounts_from_one_address(client):
    key = start(client)["key"]
    codes = [
        client.post(
            "/chat/api/identify", json={"loan_number": f"LN{n:010d}"}, headers={"X-Chat-Key": key}
        ).status_code
        for n in range(6)
    ]
    assert codes == [200] * 5 + [429]


def test_it_answers_400_naming_a_crafted_after_and_stores_nothing(client, session):
    key = start(client)["key"]
    for after in (str(2**63), "99999999999999999999", "²", "-1"):
        resp = client.get(f"/chat/api/messages?after={after}", headers={"X-Chat-Key": key})
        assert resp.status_code == 400, after
        assert resp.get_json()["error"].startswith("after: ")
    # A huge ``after`` in a POST answered 500 after the message was stored (finding 20).
    for after in (2**64, "99999999999999999999", "²", 1e300, True, -5):
        resp = client.post(
            "/chat/api/messages",
            json={"text": "hello", "after": after},
            headers={"X-Chat-Key": key},
        )
        assert resp.status_code == 400, after
        assert resp.get_json()["error"].startswith("after: ")
    assert session.scalars(select(Message)).all() == []
