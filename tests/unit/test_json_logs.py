"""LOG_FORMAT=json: every handler writes one JSON object per line, personal data redacted
before formatting (issue 19: logs as JSON lines with no personal data)."""

from __future__ import annotations

import json
import logging

from outreach import logs
from tests.support.logs import root_handler_output


def test_json_lines_carry_the_redacted_message_and_the_traceback(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "json")
    with root_handler_output() as stream:
        logs.configure()
        log = logging.getLogger("outreach.test")
        log.warning("reply to %s about %s", "+13125550100", "ana@example.com")
        try:
            raise ValueError("bad number +13125550100")
        except ValueError:
            log.exception("failed")
        lines = [json.loads(line) for line in stream.getvalue().splitlines()]

    assert lines[0]["msg"] == "reply to [phone] about [email]"
    assert (lines[0]["level"], lines[0]["logger"]) == ("WARNING", "outreach.test")
    assert lines[0]["ts"].endswith("+00:00") and isinstance(lines[0]["pid"], int)
    assert lines[1]["msg"] == "failed"
    assert "ValueError: bad number [phone]" in lines[1]["exc"]
    assert "+1312" not in stream.getvalue()


def test_without_log_format_the_lines_stay_plain_text(monkeypatch):
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    with root_handler_output() as stream:
        logs.configure()
        logging.getLogger("outreach.test").warning("plain")
    assert stream.getvalue().rstrip().endswith("plain") and not stream.getvalue().startswith("{")
