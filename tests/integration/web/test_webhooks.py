"""Inbound Twilio webhooks: signatures, de-duplication, bad input, statuses."""

import pytest
from sqlalchemy import func, select

from outreach import create_app
from outreach.conversations.notices import BOT_UNAVAILABLE
from outreach.models import AuditEvent, ContactPoint, Message, MessageEvent
from tests.conftest import PUBLIC_BASE_URL, make_settings
from tests.support.factories import make_borrower
from tests.support.twilio_signing import inbound_form, signed_post


def post(client, settings, path, params, **kw):
    return signed_post(
        client, path, params, token=settings.sandbox_auth_token, base_url=PUBLIC_BASE_URL, **kw
    )


def inbound(sid="SM" + "a" * 32, sender="+13125550100", body="hi", channel="sms"):
    return inbound_form(sid, sender, body, channel=channel)


def test_it_rejects_a_forged_signature_and_logs_nothing(client, settings, session):
    resp = post(client, settings, "/webhooks/twilio/sms", inbound(), signature="forged")
    assert resp.status_code == 403
    assert session.scalar(select(func.count(Message.id))) == 0


def test_it_rejects_a_request_signed_for_another_url(client, settings, session):
    from twilio.request_validator import RequestValidator

    sig = RequestValidator(settings.sandbox_auth_token).compute_signature(
        "https://evil.example/webhooks/twilio/sms", inbound()
    )
    resp = client.post("/webhooks/twilio/sms", data=inbound(), headers={"X-Twilio-Signature": sig})
    assert resp.status_code == 403
    assert session.scalar(select(func.count(Message.id))) == 0


def test_it_rejects_a_missing_signature(client, session):
    assert client.post("/webhooks/twilio/sms", data=inbound()).status_code == 403


def test_it_logs_a_signed_message_and_answers_even_when_rasa_is_down(client, settings, session):
    make_borrower(session)
    resp = post(client, settings, "/webhooks/twilio/sms", inbound(body="what do I owe"))
    assert resp.status_code == 200
    assert resp.mimetype == "text/xml"
    msgs = session.scalars(select(Message).order_by(Message.id)).all()
    assert [(m.direction, m.sender, m.body) for m in msgs] == [
        ("in", "borrower", "what do I owe"),
        ("out", "bot", BOT_UNAVAILABLE),
    ]
    assert msgs[0].borrower_id is not None and msgs[0].provider_sid == "SM" + "a" * 32
    assert msgs[1].status == "delivered"  # the demo sandbox delivers at once
    actions = session.scalars(select(AuditEvent.action)).all()
    assert "message.in" in actions and "bot.unavailable" in actions


def test_it_ignores_a_message_sid_already_seen(client, settings, session):
    make_borrower(session)
    for _ in range(3):
        assert post(client, settings, "/webhooks/twilio/sms", inbound()).status_code == 200
    directions = session.scalars(select(Message.direction)).all()
    assert directions.count("in") == 1 and directions.count("out") == 1


def test_it_names_the_bad_field_of_a_malformed_webhook(client, settings, session):
    resp = post(client, settings, "/webhooks/twilio/sms", {"From": "+13125550100", "Body": "x"})
    assert resp.status_code == 400 and b"MessageSid: required" in resp.data
    resp = post(client, settings, "/webhooks/twilio/sms", inbound(sender="not a number"))
    assert resp.status_code == 400 and b"From:" in resp.data
    assert session.scalar(select(func.count(Message.id))) == 0


def test_it_takes_whatsapp_on_its_own_route(client, settings, session):
    make_borrower(session, whatsapp=True)
    resp = post(client, settings, "/webhooks/twilio/whatsapp", inbound(channel="whatsapp"))
    assert resp.status_code == 200
    first = session.scalars(select(Message).order_by(Message.id)).first()
    assert (first.channel, first.address) == ("whatsapp", "+13125550100")


def test_it_records_delivery_statuses_without_losing_a_final_one(client, settings, session):
    make_borrower(session)
    post(client, settings, "/webhooks/twilio/sms", inbound())
    out = session.scalar(select(Message).where(Message.direction == "out"))
    for status in ("delivered", "sent"):  # a late "sent" arrives after "delivered"
        resp = post(
            client,
            settings,
            "/webhooks/twilio/status",
            {"MessageSid": out.provider_sid, "MessageStatus": status},
        )
        assert resp.status_code == 204
    session.expire_all()
    assert session.get(Message, out.id).status == "delivered"
    events = session.scalars(select(MessageEvent.status).where(MessageEvent.message_id == out.id))
    assert list(events) == ["delivered", "sent"]


def test_it_checks_the_signature_of_status_callbacks(client, settings, session):
    resp = post(
        client,
        settings,
        "/webhooks/twilio/status",
        {"MessageSid": "SM1", "MessageStatus": "delivered"},
        signature="nope",
    )
    assert resp.status_code == 403


def test_it_acknowledges_a_status_for_an_unknown_sid(client, settings):
    resp = post(
        client,
        settings,
        "/webhooks/twilio/status",
        {"MessageSid": "SMunknown", "MessageStatus": "delivered"},
    )
    assert resp.status_code == 204


def report(client, settings, sid, status, error_code=None):
    params = {"MessageSid": sid, "MessageStatus": status}
    if error_code:
        params["ErrorCode"] = error_code
    resp = post(client, settings, "/webhooks/twilio/status", params)
    assert resp.status_code == 204
    return resp


def bot_reply(client, settings, session):
    """The bot's answer to a borrower's text, ``queued`` as Twilio's API answers a send."""
    borrower = make_borrower(session)
    post(client, settings, "/webhooks/twilio/sms", inbound())
    out = session.scalar(select(Message).where(Message.direction == "out"))
    out.status = "queued"  # the demo sandbox says "delivered" at once; Twilio says "queued"
    session.commit()
    return borrower, out


def events_of(session, msg):
    rows = session.scalars(
        select(MessageEvent).where(MessageEvent.message_id == msg.id).order_by(MessageEvent.id)
    )
    return [(e.status, e.error_code) for e in rows]


def test_it_shows_read_after_delivered(client, settings, session):
    _, out = bot_reply(client, settings, session)
    for status in ("sent", "delivered", "read"):
        report(client, settings, out.provider_sid, status)
    session.expire_all()
    assert session.get(Message, out.id).status == "read"


def test_it_keeps_delivered_when_a_failure_report_arrives_after_it(client, settings, session):
    borrower, out = bot_reply(client, settings, session)
    report(client, settings, out.provider_sid, "delivered")
    report(client, settings, out.provider_sid, "undelivered", "21211")  # out of order
    session.expire_all()
    assert session.get(Message, out.id).status == "delivered"
    assert events_of(session, out) == [("delivered", None), ("undelivered", "21211")]
    # Not acted on: the number reached the handset, so it is not marked invalid.
    assert session.get(ContactPoint, borrower.contact_points[0].id).invalid_at is None


def test_it_keeps_each_distinct_report_once_however_often_it_is_posted(client, settings, session):
    _, out = bot_reply(client, settings, session)
    posted = [
        ("sent", None),
        ("sent", None),
        ("undelivered", "30003"),
        ("undelivered", "30003"),
        ("undelivered", "30005"),  # another error code is another report
        ("sent", None),
    ]
    for status, code in posted:
        report(client, settings, out.provider_sid, status, code)
    session.expire_all()
    assert events_of(session, out) == [
        ("sent", None),
        ("undelivered", "30003"),
        ("undelivered", "30005"),
    ]
    assert session.get(Message, out.id).status == "undelivered"


def test_it_names_a_malformed_status_report(client, settings, session):
    _, out = bot_reply(client, settings, session)
    for params, field in (
        ({"MessageStatus": "x" * 40}, b"MessageStatus:"),
        ({"MessageStatus": "failed", "ErrorCode": "'; drop"}, b"ErrorCode:"),
    ):
        resp = post(
            client, settings, "/webhooks/twilio/status", {"MessageSid": out.provider_sid, **params}
        )
        assert resp.status_code == 400 and resp.data.startswith(field)
    assert events_of(session, out) == []


def count_messages(session):
    session.expire_all()
    return session.scalar(select(func.count(Message.id)))


def test_it_takes_a_body_of_1600_characters_and_refuses_a_longer_one_naming_body(
    client, settings, session
):
    make_borrower(session)
    resp = post(client, settings, "/webhooks/twilio/sms", inbound(body="x" * 1601))
    assert resp.status_code == 400 and resp.data == b"Body: longer than 1,600 characters\n"
    assert count_messages(session) == 0
    resp = post(client, settings, "/webhooks/twilio/sms", inbound(body="ñ" * 1600))
    assert resp.status_code == 200
    assert session.scalar(select(Message.body).where(Message.direction == "in")) == "ñ" * 1600


def test_it_refuses_an_oversized_webhook_request_unread(client, settings, session):
    resp = post(client, settings, "/webhooks/twilio/sms", inbound(body="x" * 1_000_000))
    assert resp.status_code == 413 and resp.mimetype == "text/plain"
    assert count_messages(session) == 0


@pytest.mark.parametrize(
    ("route", "sender"),
    [
        ("sms", "tel:+13125550100"),
        ("sms", "whatsapp:+13125550100"),  # a WhatsApp number on the SMS webhook
        ("sms", "+１３１２５５５０１００"),  # full-width digits
        ("sms", "13125550100"),
        ("sms", "+1 312 555 0100"),
        ("sms", "+1312555010"),  # not a possible number
        ("whatsapp", "+13125550100"),  # the prefix is missing
        ("whatsapp", "whatsapp:whatsapp:+13125550100"),
        ("whatsapp", "whatsapp:tel:+13125550100"),
        ("whatsapp", "WhatsApp:+13125550100"),
    ],
)
def test_it_refuses_a_from_not_in_the_channels_exact_form(client, settings, session, route, sender):
    make_borrower(session, whatsapp=True)
    form = {**inbound(channel=route), "From": sender}
    resp = post(client, settings, f"/webhooks/twilio/{route}", form)
    assert resp.status_code == 400 and resp.data.startswith(b"From: expected")
    assert count_messages(session) == 0


@pytest.mark.parametrize(
    ("route", "to"),
    [
        ("sms", None),
        ("sms", "+15550000001"),  # not our number
        ("sms", "whatsapp:+15005550006"),
        ("whatsapp", "+15005550006"),  # our number without the channel's prefix
        ("whatsapp", "whatsapp:+15550000001"),
    ],
)
def test_it_refuses_a_message_not_sent_to_one_of_our_numbers(client, settings, session, route, to):
    make_borrower(session, whatsapp=True)
    form = inbound(channel=route)
    if to is None:
        del form["To"]
    else:
        form["To"] = to
    resp = post(client, settings, f"/webhooks/twilio/{route}", form)
    assert resp.status_code == 400 and resp.data.startswith(b"To: ")
    assert count_messages(session) == 0


def test_it_takes_only_the_configured_senders_outside_demo_mode(database_url, session):
    live = make_settings(
        database_url,
        TWILIO_ACCOUNT_SID="AC" + "3" * 32,
        TWILIO_AUTH_TOKEN="live-token",
        TWILIO_API_BASE_URL="http://127.0.0.1:9",  # the bot's reply fails to go out: fine here
        TWILIO_SMS_FROM="+15017122661",
        TWILIO_WHATSAPP_FROM="whatsapp:+14155238886",
    )
    client = create_app(live).test_client()
    make_borrower(session, whatsapp=True)

    def send(route, to, sid):
        form = inbound_form(sid, "+13125550100", "hi", channel=route, to=to)
        return signed_post(
            client, f"/webhooks/twilio/{route}", form, token="live-token", base_url=PUBLIC_BASE_URL
        )

    assert send("sms", "+15005550006", "SM" + "1" * 32).status_code == 400  # demo number
    assert send("sms", "+15017122661", "SM" + "2" * 32).status_code == 200
    assert send("whatsapp", "+14155238886", "SM" + "3" * 32).status_code == 200
    stored = session.scalars(select(Message.channel).where(Message.direction == "in")).all()
    assert sorted(stored) == ["sms", "whatsapp"]
