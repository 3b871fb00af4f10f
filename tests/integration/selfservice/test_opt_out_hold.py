"""An opt-out asked for in words holds automated collection back while its question waits
(outreach/selfservice/account.py, config/care.yaml `opt_out_question`): the bot confirms before
it stores an opt-out (issue 16), but an unanswered "do you want us to stop?" must not mean more
reminders (47 CFR 64.1200(a)(10): a revocation by any reasonable method is honoured within ten
business days; RULES.md: an uncertain reading fails safe by suppressing)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from outreach import selfservice
from outreach.campaigns.planner import plan
from outreach.conversations.inbound import open_conversation
from outreach.models import AuditEvent, CollectionPause
from tests.support.factories import make_borrower
from tests.support.reminders import INSIDE as NOW

pytestmark = pytest.mark.usefixtures("clock")
NUMBER = "+13125550100"


def goes_ahead(session, at) -> bool:
    """The borrower's one reminder would be queued at ``at`` (a dry run: nothing is queued)."""
    return [item.stopped_by for item in plan(session, at, dry_run=True).items] == [None]


def asked(session, settings, channel: str = "sms", address: str = NUMBER) -> str:
    """The bot asked this conversation's borrower whether to stop writing."""
    conv = open_conversation(session, channel, address)
    session.commit()
    selfservice.hold_for_opt_out(conv.public_id, settings)
    return conv.public_id


def test_no_reminder_goes_out_while_the_question_waits_and_the_hold_ends_by_itself(
    session, settings
) -> None:
    make_borrower(session)
    assert goes_ahead(session, NOW)
    asked(session, settings)
    assert plan(session, NOW, dry_run=True).stopped == {"care_pause": 1}
    assert not goes_ahead(session, NOW + timedelta(days=13))
    assert goes_ahead(session, NOW + timedelta(days=14))
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "consent.opt_out_asked"))
    assert event.details == {"channel": "sms", "hold_days": 14}


def test_a_no_lifts_the_hold_at_once(session, settings) -> None:
    make_borrower(session)
    conversation = asked(session, settings)
    assert selfservice.release_opt_out_hold(conversation, "no", settings)
    assert goes_ahead(session, NOW)
    assert not selfservice.release_opt_out_hold(conversation, "no", settings)  # nothing open
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "consent.opt_out_hold_ended")
    )
    assert event.details == {"channel": "sms", "answer": "no"}


def test_a_yes_opts_the_number_out_and_ends_the_hold(session, settings) -> None:
    borrower = make_borrower(session)
    conversation = asked(session, settings)
    assert selfservice.opt_out(conversation, settings) == selfservice.AccountEffect.APPLIED
    assert selfservice.release_opt_out_hold(conversation, "yes", settings)
    session.expire_all()
    assert all(p.opted_out_at is not None for p in borrower.contact_points if p.channel == "sms")
    pause = session.scalar(select(CollectionPause))
    assert pause.reason == "opt_out_asked" and pause.ended_early_at is not None


def test_an_unverified_web_chat_pauses_nothing(session, settings) -> None:
    make_borrower(session)
    asked(session, settings, "web", "web-session-1")
    assert session.scalar(select(CollectionPause)) is None
    assert goes_ahead(session, NOW)
