"""The policy's answer for a reminder to each phone, as the sandbox list shows it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from outreach.messaging.contact_policy import reminder_decisions
from outreach.models import ContactPoint, RulePackSnapshot
from tests.support.factories import make_borrower
from tests.support.reminders import AFTER_9PM, INSIDE


def test_it_answers_for_every_phone_of_every_borrower_in_one_call(session):
    ana = make_borrower(session, whatsapp=True)
    ben = make_borrower(session, phone="+13125550101", full_name="Ben Smith")
    points = session.scalars(select(ContactPoint)).all()
    decisions = reminder_decisions(session, points, INSIDE)
    assert set(decisions) == {(ana.id, "sms"), (ana.id, "whatsapp"), (ben.id, "sms")}
    # A WhatsApp reminder goes out as its approved template: no open session is needed.
    assert decisions[ana.id, "whatsapp"]["allowed"] is True
    assert decisions[ana.id, "sms"]["zones"] == ["America/Chicago"]
    assert session.scalar(select(func.count()).select_from(RulePackSnapshot)) == 0


def test_it_gives_the_next_allowed_instant_and_the_reason_outside_the_window(session):
    ana = make_borrower(session)
    decision = reminder_decisions(session, session.scalars(select(ContactPoint)), AFTER_9PM)[
        ana.id, "sms"
    ]
    assert (decision["allowed"], decision["reasons"]) == (False, ["contact_window"])
    assert decision["next_allowed_at"] == "2026-11-25T14:00:00Z"  # 08:00 in Chicago
    assert decision["local_times"] == {"America/Chicago": "2026-11-24T21:00:00-06:00"}
    assert datetime.fromisoformat(decision["facts"]["now"]) == AFTER_9PM.astimezone(UTC)
