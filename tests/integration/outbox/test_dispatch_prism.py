"""The dispatcher with the real ``twilio`` client against Prism (Twilio's OpenAPI description)."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from outreach.campaigns.planner import plan
from outreach.channels.twilio_channel import TwilioChannel
from outreach.models import Message, OutboxItem
from outreach.outbox.dispatcher import dispatch
from tests.conftest import make_settings
from tests.support.factories import make_borrower

ACCOUNT = "AC" + "2" * 32
INSIDE = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)


@pytest.fixture
def twilio_settings(database_url, prism_url):
    return make_settings(
        database_url,
        TWILIO_ACCOUNT_SID=ACCOUNT,
        TWILIO_AUTH_TOKEN="secret",
        TWILIO_API_BASE_URL=prism_url,
        TWILIO_SMS_FROM="+15005550006",
        TWILIO_WHATSAPP_FROM="+14155238886",
    )


def test_it_sends_a_planned_sms_through_twilio(session, twilio_settings):
    make_borrower(session, phone="+13125550101", loan={"days_past_due": 3})  # sms first
    plan(session, INSIDE)
    report = dispatch(session, twilio_settings, INSIDE)
    assert (report.claimed, report.sent) == (1, 1)
    msg = session.scalar(select(Message))
    assert msg.channel == "sms" and msg.provider_sid.startswith("SM") and msg.sent_at
    assert (msg.segments, msg.encoding) == (2, "GSM-7")
    assert session.scalar(select(OutboxItem)).status == "sent"


def test_it_sends_a_whatsapp_content_template_through_twilio(session, twilio_settings):
    make_borrower(session, phone="+13125550102", whatsapp=True, loan={"days_past_due": 7})
    plan(session, INSIDE)
    assert dispatch(session, twilio_settings, INSIDE).sent == 1
    msg = session.scalar(select(Message))
    assert msg.channel == "whatsapp" and msg.provider_sid
    assert msg.decision["facts"]["message"]["kind"] == "template"


def test_it_turns_a_422_into_a_permanent_failure_and_tries_the_next_channel(
    session, twilio_settings, monkeypatch
):
    # A request that breaks Twilio's contract (no To): Prism answers 422, a permanent error.
    monkeypatch.setattr(TwilioChannel, "_address", lambda self, to: None)
    make_borrower(session, phone="+13125550103", loan={"days_past_due": 3})
    plan(session, INSIDE)
    assert dispatch(session, twilio_settings, INSIDE).failed == 1
    msg = session.scalar(select(Message))
    assert msg.status == "failed" and "422" in msg.error
    item = session.scalar(select(OutboxItem))
    assert item.status == "failed" and item.attempts == 1 and item.payload["tried"] == ["sms"]
