"""Reminders timed before a group's meeting (issue 20).

Members of a joint-liability group repay at the group's weekly meeting, so a reminder is most
useful the day before it: a cadence reminder for a group member is held until ``LOCAL_TIME`` on
the day before the group's next meeting, in the member's own zone, when that moment is no more
than ``MAX_HOLD`` away (a reminder is never held for long: past that it goes now). 09:00 is
inside every contact window the rule packs know; the dispatcher still asks the contact policy at
send time and defers anything outside the window (nothing is sent outside it).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.models import Borrower
from outreach.models.groups import WEEKDAYS, GroupMember, LoanGroup
from outreach.policy.timeutil import get_zone
from outreach.policy.zones import calendar_zones

DAYS_BEFORE = 1
LOCAL_TIME = time(9, 0)
MAX_HOLD = timedelta(days=3)


def send_at(weekday: str, zone: str, now: datetime) -> datetime | None:
    """The first ``LOCAL_TIME`` on the day before a meeting on ``weekday`` that is not past."""
    tz = get_zone(zone)
    local = now.astimezone(tz)
    meeting = WEEKDAYS.index(weekday)
    for ahead in range(0, 15):
        day = local.date() + timedelta(days=ahead)
        if day.weekday() != meeting:
            continue
        moment = datetime.combine(day - timedelta(days=DAYS_BEFORE), LOCAL_TIME, tzinfo=tz)
        if moment >= now:
            return moment.astimezone(now.tzinfo)
    return None


def meeting_holds(session: Session, borrower_ids: set[int], now: datetime) -> dict[int, datetime]:
    """{borrower id: when their cadence reminder goes out} for group members whose next
    pre-meeting moment is within ``MAX_HOLD``; other borrowers are absent (sent now)."""
    if not borrower_ids:
        return {}
    rows = session.execute(
        select(Borrower, LoanGroup.meeting_weekday)
        .join(GroupMember, GroupMember.borrower_id == Borrower.id)
        .join(LoanGroup, LoanGroup.id == GroupMember.group_id)
        .where(Borrower.id.in_(borrower_ids), LoanGroup.meeting_weekday.is_not(None))
    )
    holds: dict[int, datetime] = {}
    for borrower, weekday in rows:
        zones = calendar_zones(
            borrower.country, borrower.region, borrower.postal_code, borrower.timezone
        )
        moment = send_at(weekday, zones[0], now)
        if moment is not None and moment - now <= MAX_HOLD:
            earliest = holds.get(borrower.id)
            holds[borrower.id] = moment if earliest is None else min(earliest, moment)
    return holds
