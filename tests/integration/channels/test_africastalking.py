"""Africa's Talking through its official client against an offline fake of its documented API,
with failover to Twilio (the real ``twilio`` client against Prism)."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from outreach.campaigns.planner import plan
from outreach.channels import ChannelError, ChannelRegistry
from outreach.channels.sms_routes import RoutedSMS
from outreach.db import session_factory
from outreach.models import ContactPoint, Message
from outreach.outbox.dispatcher import dispatch
from tests.conftest import make_settings, wipe
from tests.support.factories import make_borrower
from tests.support.fake_africastalking import FakeAfricasTalking

KENYAN = "+254712345678"
INSIDE_NAIROBI = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # 12:00 in Nairobi


@pytest.fixture
def fake_at():
    with FakeAfricasTalking() as fake:
        yield fake


def at_settings(database_url, fake_at, twilio_base="http://127.0.0.1:9", **extra):
    return make_settings(
        database_url,
        TWILIO_ACCOUNT_SID="AC" + "1" * 32,
        TWILIO_AUTH_TOKEN="secret",
        TWILIO_API_BASE_URL=twilio_base,
        TWILIO_SMS_FROM="+15005550006",
        AFRICASTALKING_USERNAME=fake_at.username,
        AFRICASTALKING_API_KEY=fake_at.api_key,
        AFRICASTALKING_SENDER_ID="DEMOLENDER",
        AFRICASTALKING_API_BASE=fake_at.url,
        **extra,
    )


def test_it_sends_through_the_official_client_as_the_api_documents(database_url, fake_at):
    channel = ChannelRegistry(at_settings(database_url, fake_at)).get("sms")
    assert isinstance(channel, RoutedSMS)
    result = channel.send(KENYAN, "Demo Lender: KES 1,200.00 is due. Reply STOP to stop.")
    assert result.provider_sid.startswith("ATXid_") and result.status == "sent"
    [call] = fake_at.sent
    assert call["headers"]["apikey"] == fake_at.api_key
    assert call["form"]["username"] == "lender" and call["form"]["from"] == "DEMOLENDER"
    assert call["form"]["to"] == KENYAN and "KES 1,200.00" in call["form"]["message"]


def test_it_reports_a_blacklisted_number_as_a_permanent_opt_out(database_url, fake_at):
    fake_at.statuses[KENYAN] = 406
    channel = ChannelRegistry(at_settings(database_url, fake_at)).get("sms")
    with pytest.raises(ChannelError) as err:
        channel.send(KENYAN, "hello")
    assert err.value.permanent and err.value.code == "at:406"


def test_it_fails_over_to_twilio_when_africas_talking_is_down(database_url, fake_at, prism_url):
    fake_at.down = True
    channel = ChannelRegistry(at_settings(database_url, fake_at, prism_url)).get("sms")
    result = channel.send(KENYAN, "Demo Lender: a payment is due.")
    assert result.provider_sid.startswith(("SM", "MM"))  # Twilio (Prism) took it


def test_it_fails_over_when_the_account_is_out_of_credit(database_url, fake_at, prism_url):
    fake_at.statuses[KENYAN] = 405  # InsufficientBalance: transient for this provider only
    channel = ChannelRegistry(at_settings(database_url, fake_at, prism_url)).get("sms")
    assert channel.send(KENYAN, "hello").provider_sid.startswith(("SM", "MM"))


def test_it_treats_a_wrong_api_key_as_transient(database_url, fake_at):
    settings = at_settings(database_url, fake_at)
    settings.africastalking_api_key = "wrong"
    channel = ChannelRegistry(settings).get("sms")
    with pytest.raises(ChannelError) as err:  # Twilio (nothing listens) failed too
        channel.send(KENYAN, "hello")
    assert not err.value.permanent


def kenyan_borrower(session):
    return make_borrower(
        session,
        phone=KENYAN,
        country="KE",
        region="30",
        postal_code="00100",
        locale="en_KE",
        timezone="Africa/Nairobi",
        loan={"currency": "KES", "outstanding": 12000, "past_due_amount": 1200},
    )


def test_it_delivers_a_kenyan_reminder_through_africas_talking(database_url, fake_at):
    settings = at_settings(database_url, fake_at)
    wipe(database_url)
    with session_factory(settings.database_url)() as session:
        kenyan_borrower(session)
        plan(session, INSIDE_NAIROBI)
        report = dispatch(session, settings, INSIDE_NAIROBI, channels=ChannelRegistry(settings))
        assert report.sent == 1
        msg = session.scalar(select(Message).where(Message.direction == "out"))
        assert msg.provider_sid.startswith("ATXid_") and msg.status == "sent"
        assert fake_at.sent[0]["form"]["to"] == KENYAN


def test_it_marks_the_number_opted_out_when_the_send_says_blacklisted(database_url, fake_at):
    fake_at.statuses[KENYAN] = 406
    settings = at_settings(database_url, fake_at)
    wipe(database_url)
    with session_factory(settings.database_url)() as session:
        kenyan_borrower(session)
        plan(session, INSIDE_NAIROBI)
        dispatch(session, settings, INSIDE_NAIROBI, channels=ChannelRegistry(settings))
        session.expire_all()
        point = session.scalar(select(ContactPoint).where(ContactPoint.channel == "sms"))
        assert point.opted_out_at is not None
