"""The group leader's summary (issue 20): consent, the minimum, the off switch, the contact
policy and one summary per meeting, through the reminder pass and the outbox."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from outreach.campaigns.config import load_config
from outreach.campaigns.group_summary import TEMPLATE, summary_candidates
from outreach.campaigns.group_summary_config import LeaderSummaryConfig
from outreach.campaigns.planner import plan
from outreach.models import AuditEvent, GroupMember, Loan, LoanGroup, Message, OutboxItem
from outreach.outbox.dispatcher import dispatch
from tests.support.factories import make_borrower

ON = LeaderSummaryConfig(countries=("KE",))
# Kikundi Umoja meets on Thursdays at 10:00 in Nairobi (UTC+3): Thursday 26 November 2026.
MEETING = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
SEND_FROM = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)  # Wednesday 16:00 in Nairobi
CURRENT = {
    "days_past_due": 0,
    "past_due_amount": 0,
    "status": "current",
    "next_due_date": date(2027, 6, 1),  # far off: no cadence reminder gets in the way
}
LATE = {"days_past_due": 15, "past_due_amount": 420, "status": "delinquent"}
NAMES = ["Wanjiru Kamau", "Achieng Otieno", "Njeri Mwangi", "Akinyi Odhiambo", "Mumbi Njoroge"]


def config(summary: LeaderSummaryConfig = ON):
    return replace(load_config(), leader_summary=summary)


class Group:
    """A Kenyan group: a leader and members, each with their own phone and loan."""

    def __init__(self, session, leader_consents: bool = True) -> None:
        self.session = session  # built while the test's clock stands before SEND_FROM
        self.group = LoanGroup(
            external_id="G-UMOJA",
            name="Kikundi Umoja",
            meeting_weekday="thursday",
            meeting_time=time(10, 0),
        )
        session.add(self.group)
        session.flush()
        self.leader = self.add(CURRENT, leader_consents, role="leader", name="Halima Wekesa")

    def add(self, loan, consents: bool, role: str = "member", name: str | None = None, **kw):
        n = len(self.session.scalars(select(GroupMember)).all())
        borrower = make_borrower(
            self.session,
            phone=kw.pop("phone", f"+2547124{n:05d}"),
            loan=dict(loan),
            full_name=name or NAMES[n % len(NAMES)],
            country="KE",
            region="30",
            postal_code="00100",
            locale="sw_KE",
            **kw,
        )
        self.session.add(
            GroupMember(
                group_id=self.group.id, borrower_id=borrower.id, role=role, summary_consent=consents
            )
        )
        self.session.commit()
        return borrower


def plan_at(session, clock, at: datetime, cfg=None, **kw):
    clock.move_to(at)  # the rows and messages are stamped by the app's clock too
    return plan(session, at, config=cfg or config(), **kw)


def dispatch_at(session, settings, clock, at: datetime):
    clock.move_to(at)
    return dispatch(session, settings, at)


def summary_rows(session) -> list[OutboxItem]:
    return list(
        session.scalars(
            select(OutboxItem).where(OutboxItem.template == TEMPLATE).order_by(OutboxItem.id)
        )
    )


def sent_body(session, settings, clock, at: datetime) -> str:
    dispatch_at(session, settings, clock, at)
    msg = session.scalar(select(Message).where(Message.template == TEMPLATE))
    assert msg is not None and msg.status in ("sent", "delivered"), msg and msg.status
    return msg.body


def test_it_counts_the_consenting_members_only_and_names_none(session, settings, clock):
    g = Group(session)
    g.add(CURRENT, True)
    g.add(CURRENT, True)
    g.add(LATE, True)
    g.add(LATE, False)
    g.add(LATE, False)
    plan_at(session, clock, SEND_FROM, config())
    [row] = summary_rows(session)
    assert row.borrower_id == g.leader.id and row.loan_id is None
    body = sent_body(session, settings, clock, SEND_FROM)
    # The leader's language (sw_KE): the weekday by Babel, 3 of 4 (leader and three members).
    assert "Kikundi Umoja" in body and "Mkutano wa Alhamisi" in body
    assert "wanachama 3 kati ya 4 waliokubali" in body
    loans = session.scalars(select(Loan)).all()
    for loan in loans:
        assert loan.loan_number not in body and loan.loan_number[-4:] not in body
        assert loan.borrower.full_name.split()[0] not in body
    assert "420" not in body and "Ksh" not in body and "2026" not in body


def test_a_member_without_consent_changes_nothing_in_the_text(session, clock):
    g = Group(session)
    for loan in (CURRENT, CURRENT, LATE):
        g.add(loan, True)
    outsider = g.add(LATE, False)
    before = summary_candidates(session, ON, SEND_FROM)[0].payload
    # The non-consenting member pays up, and another non-consenting member joins late.
    loan = session.scalar(select(Loan).where(Loan.borrower_id == outsider.id))
    loan.days_past_due, loan.past_due_amount, loan.status = 0, 0, "current"
    g.add(LATE, False)
    g.add(CURRENT, False)
    after = summary_candidates(session, ON, SEND_FROM)[0].payload
    assert after == before
    assert (before["on_time"], before["counted"]) == (3, 4)


def test_the_leaders_own_loan_counts_only_with_the_leaders_consent(session, clock):
    g = Group(session, leader_consents=False)
    for loan in (CURRENT, LATE, LATE):
        g.add(loan, True)
    payload = summary_candidates(session, ON, SEND_FROM)[0].payload
    assert (payload["on_time"], payload["counted"]) == (1, 3)


def test_a_summary_that_would_single_members_out_is_not_sent(session, clock):
    g = Group(session)
    g.add(CURRENT, True)  # leader and one member: two consenting
    g.add(LATE, False)
    g.add(LATE, False)
    plan_at(session, clock, SEND_FROM, config())
    assert summary_rows(session) == []
    dry = plan_at(session, clock, SEND_FROM, config(), dry_run=True)
    assert dry.stopped.get("summary_too_few_consenting") == 1
    # The lender may lower the minimum to 2, never below (group_summary_config).
    plan_at(session, clock, SEND_FROM, config(replace(ON, min_counted=2)))
    assert len(summary_rows(session)) == 1


@pytest.mark.parametrize(
    ("summary", "sent"),
    [
        (LeaderSummaryConfig(), False),  # the default: off
        (LeaderSummaryConfig(countries=("PH",)), False),
        (LeaderSummaryConfig(countries=("KE",)), True),
        (LeaderSummaryConfig(products=("group_loan",)), True),
        (LeaderSummaryConfig(products=("personal_plus",)), False),
        (LeaderSummaryConfig(groups=("G-UMOJA",)), True),
    ],
)
def test_it_goes_only_where_the_lender_turned_it_on(session, clock, summary, sent):
    g = Group(session)
    for _ in range(3):
        g.add({**CURRENT, "product": "group_loan"}, True)
    plan_at(session, clock, SEND_FROM, config(summary))
    assert len(summary_rows(session)) == (1 if sent else 0)


def test_quiet_hours_defer_it_and_the_deferral_is_audited(session, settings, clock):
    g = Group(session)
    for _ in range(3):
        g.add(CURRENT, True)
    late_evening = datetime(2026, 11, 25, 19, 30, tzinfo=UTC)  # 22:30 in Nairobi
    plan_at(session, clock, late_evening, config(replace(ON, local_time=time(22, 30))))
    [row] = summary_rows(session)
    assert dispatch_at(session, settings, clock, late_evening).deferred == 1
    event = session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "outbox.deferred", AuditEvent.subject == f"outbox:{row.id}"
        )
    )
    assert event is not None and event.borrower_id == g.leader.id
    assert event.details["channel"] == "sms" and event.details["reasons"]
    session.refresh(row)
    assert row.not_before == datetime(2026, 11, 26, 5, 0, tzinfo=UTC)  # 08:00 in Nairobi
    assert (
        dispatch_at(session, settings, clock, row.not_before).sent == 1
    )  # before the 10:00 meeting


def test_one_summary_per_meeting_however_the_clock_moves(session, settings, clock):
    g = Group(session)
    for _ in range(3):
        g.add(CURRENT, True)
    cfg = config()
    plan_at(session, clock, SEND_FROM - timedelta(minutes=1), cfg)
    assert summary_rows(session) == []  # not yet: Wednesday 15:59 in Nairobi
    for at in (SEND_FROM, SEND_FROM + timedelta(minutes=5), SEND_FROM + timedelta(hours=7)):
        plan_at(session, clock, at, cfg)
        dispatch_at(session, settings, clock, at)
    plan_at(session, clock, MEETING - timedelta(seconds=1), cfg)
    plan_at(session, clock, MEETING, cfg)  # the meeting has started: nothing for it any more
    plan_at(session, clock, SEND_FROM, cfg)  # the clock set back: still the same one
    assert [r.idempotency_key for r in summary_rows(session)] == [f"g:{g.group.id}:2026-11-26"]
    next_week = SEND_FROM + timedelta(days=7)
    plan_at(session, clock, next_week, cfg)
    dispatch_at(session, settings, clock, next_week)
    rows = summary_rows(session)
    assert [r.idempotency_key for r in rows][1] == f"g:{g.group.id}:2026-12-03"
    sent = session.scalars(select(Message).where(Message.template == TEMPLATE)).all()
    assert len(sent) == 2


def test_one_held_back_until_the_meeting_started_is_cancelled(session, settings, clock):
    g = Group(session)
    for _ in range(3):
        g.add(CURRENT, True)
    plan_at(session, clock, SEND_FROM, config())
    assert dispatch_at(session, settings, clock, MEETING).cancelled == 1
    [row] = summary_rows(session)
    assert row.status == "cancelled" and row.last_error == "meeting_passed"
    assert session.scalar(select(Message).where(Message.template == TEMPLATE)) is None


def test_a_leader_on_a_phone_another_member_uses_gets_none(session, clock):
    g = Group(session)
    leader_phone = g.leader.contact_points[0].address
    g.add(CURRENT, True, phone=leader_phone, external_id="B-SHARED")
    g.add(CURRENT, True)
    assert summary_candidates(session, ON, SEND_FROM) == []
    [withheld] = summary_candidates(session, ON, SEND_FROM, include_withheld=True)
    assert withheld.stopped_by == "summary_leader_phone_shared"
