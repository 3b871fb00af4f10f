"""`flask --app wsgi policy replay|explain`, and the decision stored on every message."""

import json

from sqlalchemy import select

from outreach.models import Message, RulePackSnapshot
from tests.support.factories import make_borrower
from tests.support.reminders import AFTER_9PM, INSIDE, remind


def test_it_stores_the_decision_with_zones_local_times_version_and_facts(session, settings):
    make_borrower(session)
    remind(session, settings, INSIDE)
    decision = session.scalar(select(Message)).decision
    assert decision["allowed"] is True and decision["reasons"] == []
    assert decision["zones"] == ["America/Chicago"]
    assert decision["local_times"]["America/Chicago"].startswith("2026-11-24T10:00")
    assert decision["facts"]["now"] == "2026-11-24T16:00:00Z"
    assert session.get(RulePackSnapshot, decision["rules_version"]) is not None


def test_it_replays_a_stored_decision_identically(runner, session, settings):
    make_borrower(session)
    remind(session, settings, INSIDE)
    msg_id = session.scalar(select(Message.id))
    result = runner.invoke(args=["policy", "replay", str(msg_id)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["same"] is True


def test_it_replays_under_the_archived_pack_even_after_the_packs_change(runner, session, settings):
    make_borrower(session)
    remind(session, settings, INSIDE)
    msg = session.scalar(select(Message))
    snap = session.get(RulePackSnapshot, msg.decision["rules_version"])
    assert snap.content  # the exact merged rules were kept
    result = runner.invoke(args=["policy", "replay", str(msg.id)])
    replayed = json.loads(result.output)["replayed"]
    assert replayed["rules_version"] == msg.decision["rules_version"]


def test_it_detects_a_stored_decision_that_was_altered(runner, session, settings):
    make_borrower(session)
    remind(session, settings, INSIDE)
    msg = session.scalar(select(Message))
    msg.decision = {**msg.decision, "allowed": False, "reasons": ["contact_window"]}
    session.commit()
    result = runner.invoke(args=["policy", "replay", str(msg.id)])
    assert result.exit_code == 1 and "DIFFERENT: allowed, reasons" in result.output


def test_it_names_a_missing_message(runner):
    result = runner.invoke(args=["policy", "replay", "999"])
    assert result.exit_code != 0 and "MESSAGE_ID: no message 999" in result.output


def test_it_explains_a_borrower_now_with_zones_and_next_time(runner, session):
    borrower = make_borrower(session)
    result = runner.invoke(
        args=[
            "policy",
            "explain",
            str(borrower.id),
            "--channel",
            "sms",
            "--at",
            AFTER_9PM.isoformat(),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "BLOCKED by contact_window" in result.output
    assert "America/Chicago: local time 2026-11-24T21:00:00-06:00" in result.output
    assert "next allowed: 2026-11-25T14:00:00Z" in result.output


def test_it_names_a_bad_instant(runner, session):
    borrower = make_borrower(session)
    result = runner.invoke(args=["policy", "explain", str(borrower.id), "--at", "tomorrow"])
    assert result.exit_code == 2 and "--at" in result.output
