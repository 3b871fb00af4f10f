"""Group members' reminders go out the day before the group's meeting (issue 20)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from outreach.campaigns.planner import plan
from outreach.models import GroupMember, LoanGroup, Message, OutboxItem
from outreach.outbox.dispatcher import dispatch
from tests.support.factories import make_borrower

TUESDAY_9AM_NAIROBI = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
WEDNESDAY_9AM_NAIROBI = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


def kenyan(session, phone, group_day=None):
    borrower = make_borrower(
        session, phone=phone, country="KE", region="30", postal_code="00100", locale="en_KE"
    )
    if group_day:
        group = LoanGroup(external_id=f"G-{phone}", name="Upendo", meeting_weekday=group_day)
        session.add(group)
        session.flush()
        session.add(GroupMember(group_id=group.id, borrower_id=borrower.id))
        session.commit()
    return borrower


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("thursday", WEDNESDAY_9AM_NAIROBI),  # the day before, 09:00 in Nairobi
        ("wednesday", TUESDAY_9AM_NAIROBI),  # the day before is today, 09:00 is now
        ("monday", TUESDAY_9AM_NAIROBI),  # Sunday is 5 days away: not held
        (None, TUESDAY_9AM_NAIROBI),  # no group
    ],
)
def test_a_members_reminder_waits_for_the_day_before_the_meeting(session, day, expected):
    kenyan(session, "+254712399001", day)
    plan(session, TUESDAY_9AM_NAIROBI)
    item = session.scalar(select(OutboxItem))
    assert item.not_before == expected


def test_it_is_sent_only_once_the_day_before_comes(session, settings):
    kenyan(session, "+254712399001", "thursday")
    plan(session, TUESDAY_9AM_NAIROBI)
    assert dispatch(session, settings, TUESDAY_9AM_NAIROBI).sent == 0
    assert dispatch(session, settings, WEDNESDAY_9AM_NAIROBI).sent == 1
    assert session.scalar(select(Message).where(Message.direction == "out")).status == "delivered"
