"""Which SMS provider sends, by the number's country, and when the next one takes over."""

import pytest

from outreach.channels.africastalking import _result
from outreach.channels.base import ChannelError, SendResult
from outreach.channels.sms_routes import RoutedSMS, load_routes
from outreach.config_files import ConfigError

KENYAN, AMERICAN = "+254712345678", "+13125550100"


class Recording:
    """A provider that records sends and fails as told."""

    def __init__(self, name: str, error: ChannelError | None = None) -> None:
        self.name, self.error, self.sent = name, error, []

    def send(self, to, body, **_kwargs):
        self.sent.append(to)
        if self.error:
            raise self.error
        return SendResult(provider_sid=f"{self.name}-1", status="sent")


def routed(twilio_error=None, at_error=None):
    twilio, at = Recording("twilio", twilio_error), Recording("at", at_error)
    return RoutedSMS({"twilio": twilio, "africastalking": at}), twilio, at


def test_it_sends_kenyan_numbers_through_africas_talking_and_others_through_twilio():
    channel, twilio, at = routed()
    assert channel.send(KENYAN, "hi").provider_sid == "at-1"
    assert channel.send(AMERICAN, "hi").provider_sid == "twilio-1"
    assert at.sent == [KENYAN] and twilio.sent == [AMERICAN]


def test_it_fails_over_to_twilio_on_a_transient_error():
    channel, twilio, at = routed(at_error=ChannelError("down", permanent=False, code="at:500"))
    assert channel.send(KENYAN, "hi").provider_sid == "twilio-1"
    assert at.sent == [KENYAN] and twilio.sent == [KENYAN]


def test_it_does_not_retry_a_permanent_error_elsewhere():
    channel, twilio, _at = routed(at_error=ChannelError("gone", permanent=True, code="at:403"))
    with pytest.raises(ChannelError) as err:
        channel.send(KENYAN, "hi")
    assert err.value.code == "at:403" and twilio.sent == []


def test_it_raises_the_last_error_when_every_provider_fails():
    channel, _twilio, _at = routed(
        twilio_error=ChannelError("twilio down", permanent=False),
        at_error=ChannelError("at down", permanent=False),
    )
    with pytest.raises(ChannelError, match="twilio down"):
        channel.send(KENYAN, "hi")


def test_it_uses_what_is_configured_when_a_country_lists_only_absent_providers():
    twilio = Recording("twilio")
    assert RoutedSMS({"twilio": twilio}).route(KENYAN) == ["twilio"]


def test_it_cannot_tell_after_a_crash_whether_africas_talking_took_a_message():
    channel, _twilio, _at = routed()
    with pytest.raises(ChannelError):  # reconcile then marks it unconfirmed: never resent
        channel.find_sent(KENYAN, "hi", since=None)


def test_it_names_an_unknown_provider_in_the_routes_file(tmp_path, monkeypatch):
    (tmp_path / "sms_routes.yaml").write_text("countries:\n  KE: [africastalkin]\n")
    monkeypatch.setenv("OUTREACH_CONFIG_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match=r"countries\.KE: unknown provider 'africastalkin'"):
        load_routes()


def test_it_routes_every_country_through_twilio_without_a_routes_file(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTREACH_CONFIG_DIR", str(tmp_path))
    assert load_routes() == ({}, ["twilio"])


def recipient(code, message_id="ATXid_1"):
    return {"SMSMessageData": {"Recipients": [{"statusCode": code, "messageId": message_id}]}}


@pytest.mark.parametrize(
    ("code", "permanent"), [(403, True), (406, True), (405, False), (407, False), (502, False)]
)
def test_it_maps_africas_talking_status_codes(code, permanent):
    with pytest.raises(ChannelError) as err:
        _result(recipient(code))
    assert err.value.permanent is permanent and err.value.code == f"at:{code}"


def test_it_takes_the_message_id_of_an_accepted_send():
    assert _result(recipient(101, "ATXid_abc")) == SendResult("ATXid_abc", "sent")
    assert _result(recipient(102)).status == "queued"


def test_it_treats_an_answer_without_recipients_as_transient():
    with pytest.raises(ChannelError) as err:
        _result({"SMSMessageData": {"Message": "InvalidSenderId", "Recipients": []}})
    assert err.value.permanent is False and "InvalidSenderId" in str(err.value)
