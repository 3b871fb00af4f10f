"""The channel registry: which channel delivers a short name, one Twilio client per thread."""

import threading

import pytest

from outreach.channels import ChannelRegistry, channels_for
from outreach.channels.email import EmailChannel
from outreach.channels.sandbox import SandboxChannel
from outreach.channels.twilio_channel import TwilioChannel
from outreach.channels.web import WebChannel
from tests.conftest import make_settings

TWILIO = {
    "TWILIO_ACCOUNT_SID": "AC" + "3" * 32,
    "TWILIO_AUTH_TOKEN": "secret",
    "TWILIO_API_BASE_URL": "http://127.0.0.1:9",
    "MAIL_FROM": "Lender <reminders@lender.example>",
    "SMTP_URL": "smtp://127.0.0.1:9",
}


def test_it_uses_the_sandbox_for_phones_and_email_in_a_demo_without_smtp():
    channels = ChannelRegistry(make_settings("sqlite://"))
    assert isinstance(channels.get("sms"), SandboxChannel)
    assert isinstance(channels.get("whatsapp"), SandboxChannel)
    assert isinstance(channels.get("email"), SandboxChannel)
    assert isinstance(channels.get("web"), WebChannel)


def test_it_uses_twilio_and_smtp_once_configured():
    channels = ChannelRegistry(make_settings("sqlite://", **TWILIO))
    assert isinstance(channels.get("sms"), TwilioChannel)
    assert channels.get("whatsapp").name == "whatsapp"
    assert isinstance(channels.get("email"), EmailChannel)


def test_it_refuses_an_unknown_channel_by_name():
    with pytest.raises(ValueError, match="channel: unknown channel 'fax'"):
        ChannelRegistry(make_settings("sqlite://")).get("fax")


def test_it_keeps_one_twilio_client_per_thread():
    channels = ChannelRegistry(make_settings("sqlite://", **TWILIO))
    here = channels.get("sms")
    assert channels.get("sms") is here and channels.get("whatsapp") is not here
    there = []
    thread = threading.Thread(target=lambda: there.append(channels.get("sms")))
    thread.start()
    thread.join()
    assert there[0] is not here  # a client's connection pool is not shared between threads


def test_it_shares_one_registry_per_settings_object_with_callers_not_handed_one():
    settings = make_settings("sqlite://")
    assert channels_for(settings) is channels_for(settings)
    assert channels_for(make_settings("sqlite://")) is not channels_for(settings)
