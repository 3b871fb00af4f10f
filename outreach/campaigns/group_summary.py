"""The group leader's summary (issue 20): before a meeting, the leader learns how many of the
members who agreed to be counted have paid on time, and nothing else.

What it says: the group's name, the meeting's weekday and two numbers, ``on_time`` of
``counted``. ``counted`` is the members with ``summary_consent`` (the leader too, only if the
leader consented); a member without consent is not in either number, not even as "others", so
nothing in the text changes with that member's loan. It never carries a name, an amount, a loan
number or a date of any member (``GroupMember.summary_consent``: "counted, never named, never
with an amount"). A summary counting fewer than ``min_counted`` members is withheld: it would
single them out.

"Paid on time": none of the member's open loans (current or delinquent) is past due in the
latest loan book, or a payment through the product since those figures covers what is past due
(``campaigns.stops.paid_since_figures``, as the cadence reads it).

When: ``days_before`` the meeting at ``local_time`` in the leader's zone, planned by the
reminder pass (``campaigns.planner.plan``) from then until the meeting starts. It goes through
the outbox like every reminder: the dispatcher asks the contact policy (windows, caps, consent,
opt-outs) at send time, defers what it blocks and audits every decision; a summary still waiting
when the meeting starts is cancelled (``meeting_passed``). Idempotency key
``g:<group>:<meeting date>``: one summary per group per meeting, whatever the clock does.

A leader whose phone another borrower also uses gets none: whoever holds that phone may be
another member (reminders to a shared phone name nobody, ``outreach.outbox.render``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import distinct, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from outreach.campaigns.group_summary_config import LeaderSummaryConfig
from outreach.campaigns.report import Planned
from outreach.campaigns.stops import paid_since_figures
from outreach.models import Borrower, ContactPoint, Loan, OutboxItem
from outreach.models.groups import WEEKDAYS, GroupMember, LoanGroup
from outreach.policy.timeutil import get_zone
from outreach.policy.zones import calendar_zones

TEMPLATE = "group_leader_summary"
KIND = "group_summary"
OPEN = ("current", "delinquent")
PHONE_CHANNELS = ("sms", "whatsapp")


@dataclass
class Summary:
    """One group's summary for its next meeting, or why it is withheld."""

    group_id: int
    group_ref: str
    group_name: str
    channels: tuple[str, ...]
    leader_id: int | None = None
    locale: str = "en"
    meeting_date: date | None = None
    meeting_at: datetime | None = None  # when the meeting starts (UTC)
    send_from: datetime | None = None  # the planned moment (UTC)
    counted: int = 0
    on_time: int = 0
    withheld: str | None = None  # off, no_leader, no_meeting_day, leader_phone_shared, ...

    @property
    def key(self) -> str:
        day = self.meeting_date.isoformat() if self.meeting_date else "none"
        return f"g:{self.group_id}:{day}"

    def planned(self) -> Planned:
        """The outbox row this summary becomes (``stopped_by``: why it is withheld)."""
        return Planned(
            key=self.key,
            loan_id=None,
            borrower_id=self.leader_id or 0,
            step=KIND,
            template=TEMPLATE,
            channels=self.channels,
            locale=self.locale,
            stopped_by=f"summary_{self.withheld}" if self.withheld else None,
            payload={
                "kind": KIND,
                "channels": list(self.channels),
                "group_id": self.group_id,
                "group_name": self.group_name,
                "meeting_date": self.meeting_date.isoformat() if self.meeting_date else None,
                "meeting_at": self.meeting_at.isoformat() if self.meeting_at else None,
                "counted": self.counted,
                "on_time": self.on_time,
            },
        )


def next_meeting(
    weekday: str, meeting_time: time | None, zone: str, now: datetime
) -> tuple[date, datetime]:
    """The group's next meeting day (in ``zone``) that has not started, and its start in UTC
    (a meeting with no time known starts at the end of its day: it is never cut short)."""
    tz = get_zone(zone)
    today = now.astimezone(tz).date()
    target = WEEKDAYS.index(weekday)
    for ahead in range(0, 8):
        day = today + timedelta(days=ahead)
        if day.weekday() != target:
            continue
        if meeting_time is not None:
            start = datetime.combine(day, meeting_time, tzinfo=tz)
        else:
            start = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
        if start > now:
            return day, start.astimezone(UTC)
    raise AssertionError("unreachable: a weekday recurs within 8 days")  # pragma: no cover


def summaries(
    session: Session,
    config: LeaderSummaryConfig,
    now: datetime,
    *,
    refs: list[str] | None = None,
) -> list[Summary]:
    """Every group's summary for its next meeting (``refs``: only these loan-book group ids),
    counted now, whether or not its moment has come; withheld ones say why."""
    query = select(LoanGroup).order_by(LoanGroup.id)
    if refs is not None:
        query = query.where(LoanGroup.external_id.in_(refs))
    groups = list(session.scalars(query))
    if not groups:
        return []
    ids = [g.id for g in groups]
    leaders = _leaders(session, ids)
    products = _products(session, ids)
    counts = _counts(session, ids)
    shared = _shared_phones(session, [b.id for b in leaders.values()])
    out = []
    for group in groups:
        s = Summary(group.id, group.external_id, group.name, config.channels)
        out.append(s)
        leader = leaders.get(group.id)
        country = leader.country if leader is not None else ""
        if not config.covers(group.external_id, country, products.get(group.id, set())):
            s.withheld = "off"
            continue
        if leader is None:
            s.withheld = "no_leader"
            continue
        s.leader_id, s.locale = leader.id, leader.locale or "en"
        if not group.meeting_weekday:
            s.withheld = "no_meeting_day"
            continue
        zone = calendar_zones(leader.country, leader.region, leader.postal_code, leader.timezone)
        s.meeting_date, s.meeting_at = next_meeting(
            group.meeting_weekday, group.meeting_time, zone[0], now
        )
        moment = datetime.combine(
            s.meeting_date - timedelta(days=config.days_before),
            config.local_time,
            tzinfo=get_zone(zone[0]),
        )
        s.send_from = moment.astimezone(UTC)
        s.counted, s.on_time = counts.get(group.id, (0, 0))
        if leader.id in shared:
            s.withheld = "leader_phone_shared"
        elif s.counted < config.min_counted:
            s.withheld = "too_few_consenting"
    return out


def summary_candidates(
    session: Session, config: LeaderSummaryConfig, now: datetime, *, include_withheld: bool = False
) -> list[Planned]:
    """The summaries whose moment has come and whose meeting has not started (the reminder
    pass queues them; the outbox key keeps it to one per meeting). ``include_withheld``: also
    those held back for a reason other than the lender's off switch (dry runs report them)."""
    if not config.enabled:
        return []
    out = []
    for s in summaries(session, config, now):
        if s.withheld == "off" or s.send_from is None or s.meeting_at is None:
            continue
        if not s.send_from <= now < s.meeting_at:
            continue
        if s.withheld is None or include_withheld:
            out.append(s.planned())
    return out


def queue(session: Session, summary: Summary, now: datetime) -> bool:
    """Queue ``summary`` now, for its next meeting (the CLI's send); False when that meeting's
    summary is already queued or sent (by the scheduler or an earlier run)."""
    if summary.withheld:
        raise ValueError(f"group {summary.group_ref}: summary withheld ({summary.withheld})")
    p = summary.planned()
    if session.scalar(select(OutboxItem.id).where(OutboxItem.idempotency_key == p.key)):
        return False
    session.add(
        OutboxItem(
            idempotency_key=p.key,
            borrower_id=p.borrower_id,
            loan_id=None,
            channel=p.channels[0],
            address="",
            template=p.template,
            body="",
            status="pending",
            not_before=now,
            attempts=0,
            step=p.step,
            locale=p.locale,
            payload=p.payload,
            created_at=now,
            updated_at=now,
        )
    )
    try:
        session.flush()
    except IntegrityError:  # the scheduler queued it in the meantime
        session.rollback()
        return False
    return True


def _leaders(session: Session, ids: list[int]) -> dict[int, Borrower]:
    """{group id: its leader} (the first leader the book names, if it names several)."""
    rows = session.execute(
        select(GroupMember.group_id, Borrower)
        .join(Borrower, Borrower.id == GroupMember.borrower_id)
        .where(GroupMember.group_id.in_(ids), GroupMember.role == "leader")
        .order_by(GroupMember.id)
    )
    leaders: dict[int, Borrower] = {}
    for group_id, borrower in rows:
        leaders.setdefault(group_id, borrower)
    return leaders


def _products(session: Session, ids: list[int]) -> dict[int, set[str]]:
    """{group id: the products of its members' open loans} (for the lender's per-product switch)."""
    rows = session.execute(
        select(GroupMember.group_id, Loan.product)
        .join(Loan, Loan.borrower_id == GroupMember.borrower_id)
        .where(GroupMember.group_id.in_(ids), Loan.status.in_(OPEN))
        .distinct()
    )
    out: dict[int, set[str]] = {}
    for group_id, product in rows:
        out.setdefault(group_id, set()).add(product)
    return out


def _counts(session: Session, ids: list[int]) -> dict[int, tuple[int, int]]:
    """{group id: (consenting members, those of them paid on time)}. Only consenting members
    are read at all: the others cannot change a number."""
    late = (
        select(Loan.id)
        .where(
            Loan.borrower_id == GroupMember.borrower_id,
            Loan.status.in_(OPEN),
            Loan.days_past_due > 0,
            ~paid_since_figures(),
        )
        .exists()
    )
    rows = session.execute(
        select(GroupMember.group_id, late).where(
            GroupMember.group_id.in_(ids), GroupMember.summary_consent.is_(True)
        )
    )
    out: dict[int, tuple[int, int]] = {}
    for group_id, is_late in rows:
        counted, on_time = out.get(group_id, (0, 0))
        out[group_id] = (counted + 1, on_time + (0 if is_late else 1))
    return out


def _shared_phones(session: Session, borrower_ids: list[int]) -> set[int]:
    """Of these borrowers, those with a phone number another borrower also has."""
    if not borrower_ids:
        return set()
    mine = select(ContactPoint.address).where(
        ContactPoint.borrower_id.in_(borrower_ids), ContactPoint.channel.in_(PHONE_CHANNELS)
    )
    shared = (
        select(ContactPoint.address)
        .where(ContactPoint.address.in_(mine), ContactPoint.channel.in_(PHONE_CHANNELS))
        .group_by(ContactPoint.address)
        .having(func.count(distinct(ContactPoint.borrower_id)) > 1)
    )
    return set(
        session.scalars(
            select(ContactPoint.borrower_id).where(
                ContactPoint.borrower_id.in_(borrower_ids), ContactPoint.address.in_(shared)
            )
        )
    )
