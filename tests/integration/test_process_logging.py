"""Every process's logs keep personal data out (finding 19) and Twilio's client quiet (29):
the web app, the scheduler, the action server, and SQLAlchemy's own error messages."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy.exc import IntegrityError

import scheduler as scheduler_module
from outreach import create_app
from outreach.db import engine_for, session_factory
from outreach.models import Message
from tests.support import servers
from tests.support.logs import root_handler_output

PHONE, ADDRESS = "+13125550100", "ana@example.com"


@pytest.fixture
def root_stream() -> Iterator[io.StringIO]:
    """A handler on the root logger that exists before the process configures logging."""
    with root_handler_output() as stream:
        yield stream


def test_it_hides_statement_parameters_in_database_errors(app, database_url):
    with session_factory(database_url)() as session:
        for _ in range(2):
            session.add(
                Message(
                    direction="in",
                    channel="sms",
                    address=PHONE,
                    sender="borrower",
                    body=f"my email is {ADDRESS}",
                    provider_sid="SM" + "d" * 32,
                    status="received",
                )
            )
        with pytest.raises(IntegrityError) as err:
            session.commit()
    assert PHONE not in str(err.value) and ADDRESS not in str(err.value)
    assert engine_for(database_url).hide_parameters


def test_it_redacts_what_the_web_app_logs(settings, root_stream):
    create_app(settings)
    logging.getLogger("outreach.web.webhooks").warning("no borrower for %s", PHONE)
    logging.getLogger("sqlalchemy.engine").error("INSERT ... (%r)", (PHONE, ADDRESS))
    out = root_stream.getvalue()
    assert "no borrower for [phone]" in out
    assert PHONE not in out and ADDRESS not in out


def test_it_redacts_what_the_scheduler_logs(settings, root_stream, monkeypatch):
    def lead(_settings, _stopping) -> None:  # a job that logs a borrower's number while running
        logging.getLogger("outreach.outbox.dispatcher").error("send to %s failed", PHONE)

    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)
    monkeypatch.setattr(scheduler_module, "lead", lead)
    assert scheduler_module.main() == 0
    out = root_stream.getvalue()
    assert "send to [phone] failed" in out and PHONE not in out


@pytest.mark.parametrize(
    "preamble",
    [
        # rasa-sdk's main process: its handlers are on the root before it imports the actions.
        "import logging; logging.basicConfig(level=logging.INFO)",
        # Sanic's worker processes: the actions are imported before any handler exists.
        "import logging",
    ],
)
def test_it_redacts_what_the_action_server_logs(preamble):
    code = (
        f"{preamble}; import bot.actions; "
        f"logging.getLogger('bot.actions.handoff').error('case for %s', {PHONE!r}); "
        "logging.getLogger('twilio.http_client').info('-- BEGIN Twilio API Request --')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=servers.ROOT, capture_output=True, text=True, check=True
    )
    assert "case for [phone]" in result.stderr and PHONE not in result.stderr
    assert "BEGIN Twilio API Request" not in result.stderr
