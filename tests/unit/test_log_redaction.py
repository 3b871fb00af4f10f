"""Process logging: phone numbers and email addresses never reach a handler (finding 19)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from outreach import logs
from tests.support.logs import root_handler_output


@pytest.fixture
def root_stream() -> Iterator[io.StringIO]:
    """A handler on the root logger that exists before the process configures logging."""
    with root_handler_output() as stream:
        yield stream


@pytest.mark.parametrize(
    "text",
    [
        "reply to +13125550100 failed",
        "reply to whatsapp:+447700900123 failed",
        "POST /webhooks/twilio/sms From=%2B13125550100&Body=hi",
        "bounce for ana.garcia+loans@example.co.uk",
        "unsubscribe ana%40example.com",
    ],
)
def test_it_redacts_phone_numbers_and_addresses(text):
    redacted = logs.redact(text)
    for secret in ("3125550100", "7700900123", "ana.garcia", "ana%40", "example.co"):
        assert secret not in redacted
    assert logs.PHONE_MARK in redacted or logs.EMAIL_MARK in redacted


def test_it_keeps_ids_times_and_codes(
    text="message 42 failed at 2026-11-24T16:00:00+00:00 (21211)",
):
    assert logs.redact(text) == text


def test_it_redacts_messages_arguments_and_tracebacks_on_every_handler(root_stream):
    logs.configure()
    log = logging.getLogger("outreach.test_logs")
    log.error("inbound from %s (%s)", "+13125550100", "ana@example.com")
    try:
        raise ValueError("no borrower for +13125550100")
    except ValueError:
        log.exception("routing failed")
    out = root_stream.getvalue()
    assert "3125550100" not in out and "ana@example.com" not in out
    assert "inbound from [phone] ([email])" in out
    assert "ValueError: no borrower for [phone]" in out  # the traceback is kept, redacted


def test_it_quiets_the_twilio_client_but_not_our_own_info_lines(root_stream, caplog):
    caplog.set_level(logging.INFO)  # the root at INFO, as configure() sets it in a process
    logs.configure()
    logging.getLogger("twilio.http_client").info("-- BEGIN Twilio API Request --")
    logging.getLogger("twilio.http_client").warning("Twilio retried")
    logging.getLogger("outreach.outbox.dispatcher").info("dispatch: sent=1")
    out = root_stream.getvalue()
    assert "BEGIN Twilio API Request" not in out
    assert "Twilio retried" in out and "dispatch: sent=1" in out
