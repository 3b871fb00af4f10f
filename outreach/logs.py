"""Process logging: one format, personal data kept out, chatty libraries quieted.

Every process that logs calls this module: the web app (``create_app``) and the scheduler call
``configure``, and so does the action server when it imports ``bot.actions`` (rasa-sdk's
handlers in its main process, none yet in Sanic's worker processes).

The redaction filter sits on the *handlers*, not on loggers: a logger's filter only sees records
logged on that logger, while a handler's filter sees every record that reaches it, including
those propagated from any library (SQLAlchemy, Twilio, gunicorn's access log). It is a safety
net (security finding 19): our own log lines name ids, never phone numbers or addresses.

``LOG_FORMAT=json`` (production: the Procfiles set it) writes one JSON object per line
(``ts``, ``level``, ``logger``, ``msg``, ``pid``, and ``exc`` for a traceback) for a log shipper;
the redaction runs before the formatter, so the JSON carries the redacted text only.
"""

from __future__ import annotations

import json
import logging
import os
import re
from datetime import UTC, datetime

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Phone numbers in E.164 (``+`` and 7 to 15 ASCII digits), also URL-encoded (``%2B``) as they
# appear in request lines and Twilio's form posts; ``whatsapp:+1...`` is covered by the number.
_PHONE = re.compile(r"(?:\+|%2[bB])[1-9][0-9]{6,14}(?![0-9])")
# Email addresses, also with a URL-encoded ``@``.
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
PHONE_MARK = "[phone]"
EMAIL_MARK = "[email]"

# Libraries whose INFO lines are noise or carry personal data. twilio.http_client writes about
# eleven INFO lines per API call, with the To and From numbers (finding 29); WARNING and above
# still come through.
QUIET_LOGGERS = {"alembic": logging.WARNING, "twilio.http_client": logging.WARNING}


def redact(text: str) -> str:
    """``text`` with phone numbers and email addresses replaced by a marker."""
    return _PHONE.sub(PHONE_MARK, _EMAIL.sub(EMAIL_MARK, text))


class RedactPersonalData(logging.Filter):
    """Rewrites each record's message, traceback and stack with ``redact``; drops nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: leave it to logging's own error report
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            # Formatters cache the traceback text here; redacting it now means no handler
            # ever formats the raw exception (a DBAPI error can quote a row's values).
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _handlers() -> list[logging.Handler]:
    """Every handler attached to the root logger or any logger created so far."""
    loggers: list[logging.Logger] = [logging.getLogger()]
    loggers += [
        lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    seen: dict[int, logging.Handler] = {}
    if logging.lastResort is not None:  # what prints a warning while no handler is configured
        seen[id(logging.lastResort)] = logging.lastResort
    for lg in loggers:
        for handler in lg.handlers:
            seen.setdefault(id(handler), handler)
    return list(seen.values())


def install_redaction() -> None:
    """Put the redaction filter on every handler there is now (once per handler)."""
    for handler in _handlers():
        if not any(isinstance(f, RedactPersonalData) for f in handler.filters):
            handler.addFilter(RedactPersonalData())


def quiet_libraries() -> None:
    for name, level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(level)


class JsonLines(logging.Formatter):
    """One JSON object per record: what a log shipper parses without a grammar."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            # The record's own creation time (logging's), not a business time: see outreach.clock.
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "pid": record.process,
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exc"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


def json_wanted(env: dict[str, str] | None = None) -> bool:
    return (env if env is not None else os.environ).get("LOG_FORMAT", "").lower() == "json"


def configure(level: int = logging.INFO) -> None:
    """The process's logging: INFO to stderr unless already configured, libraries quieted,
    personal data redacted on every handler; JSON lines on every handler with LOG_FORMAT=json."""
    logging.basicConfig(level=level, format=FORMAT)
    quiet_libraries()
    install_redaction()
    if json_wanted():
        for handler in _handlers():
            if handler is not logging.lastResort and not isinstance(handler.formatter, JsonLines):
                handler.setFormatter(JsonLines())
