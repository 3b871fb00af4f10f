"""The real ``twilio`` client against Prism serving Twilio's official OpenAPI description."""

import logging
from datetime import UTC, datetime

import pytest

from outreach.campaigns.planner import plan
from outreach.channels import ChannelError, ChannelRegistry
from outreach.channels.twilio_channel import TwilioChannel
from outreach.outbox.dispatcher import dispatch
from tests.conftest import make_settings
from tests.support.factories import make_borrower

ACCOUNT = "AC" + "1" * 32
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


def test_it_sends_sms_through_the_twilio_api(twilio_settings):
    channel = ChannelRegistry(twilio_settings).get("sms")
    assert isinstance(channel, TwilioChannel)
    result = channel.send(
        "+13125550100",
        "Demo Lender: hello. Reply STOP to stop.",
        status_callback="https://outreach.test/webhooks/twilio/status",
    )
    assert result.provider_sid.startswith("SM") or result.provider_sid.startswith("MM")
    assert result.status


def test_it_sends_whatsapp_with_the_whatsapp_prefix(twilio_settings):
    channel = ChannelRegistry(twilio_settings).get("whatsapp")
    assert channel.from_ == "whatsapp:+14155238886"
    assert channel._address("+13125550100") == "whatsapp:+13125550100"
    assert channel.send("+13125550100", "hello").provider_sid


def test_it_sends_an_approved_whatsapp_content_template(twilio_settings):
    channel = ChannelRegistry(twilio_settings).get("whatsapp")
    result = channel.send(
        "+13125550100",
        "Demo Lender: a payment is due 1 December.",
        content_sid="HX" + "a" * 32,
        content_variables={"1": "Demo Lender", "2": "1 December"},
    )
    assert result.provider_sid


def test_it_turns_a_contract_violation_into_a_permanent_error(twilio_settings):
    channel = ChannelRegistry(twilio_settings).get("sms")
    with pytest.raises(ChannelError) as err:
        channel.send(None, "hello")  # no To: the request breaks Twilio's contract, Prism says 422
    assert err.value.permanent
    assert "422" in str(err.value)


def test_it_treats_an_unreachable_api_as_transient(database_url):
    settings = make_settings(
        database_url,
        TWILIO_ACCOUNT_SID=ACCOUNT,
        TWILIO_AUTH_TOKEN="x",
        TWILIO_API_BASE_URL="http://127.0.0.1:9",
    )
    with pytest.raises(ChannelError) as err:
        ChannelRegistry(settings).get("sms").send("+13125550100", "hello")
    assert not err.value.permanent


def test_it_keeps_the_twilio_client_quiet_without_hiding_our_own_logs(
    app, session, twilio_settings, caplog
):
    # ``app``: the process's logging is set up by create_app, as in the web and scheduler.
    caplog.set_level(logging.INFO)
    make_borrower(session, phone="+13125550104", loan={"days_past_due": 3})
    plan(session, INSIDE)
    assert dispatch(session, twilio_settings, INSIDE).sent == 1
    assert [r.getMessage() for r in caplog.records if r.name.startswith("twilio")] == []
    ours = [r.getMessage() for r in caplog.records if r.name == "outreach.outbox.dispatcher"]
    assert any(line.startswith("dispatch: ") for line in ours)
