"""Reminders: planned once per loan and due date, sent only when the policy allows."""

from datetime import date, timedelta

from sqlalchemy import select

from outreach.campaigns.planner import plan
from outreach.models import AuditEvent, Message, OutboxItem
from outreach.outbox.dispatcher import dispatch
from tests.support.factories import make_borrower
from tests.support.reminders import AFTER_9PM, INSIDE, NEXT_8AM, remind


def test_it_sends_one_reminder_inside_the_window_and_never_twice(session, settings):
    borrower = make_borrower(session)
    assert remind(session, settings, INSIDE).sent == 1
    msg = session.scalar(select(Message))
    assert (msg.channel, msg.address, msg.sender, msg.template) == (
        "sms",
        "+13125550100",
        "scheduler",
        "payment_overdue",
    )
    assert msg.borrower_id == borrower.id and msg.status == "delivered"
    assert msg.decision["allowed"] is True and msg.decision["rules_version"]
    assert msg.decision["facts"]["borrower"]["region"] == "IL"
    assert "Reply STOP to stop" in msg.body and "Demo Lender" in msg.body
    assert "https://outreach.test/pay/" in msg.body  # the signed payment link (its page: the chat)
    assert "$420.00" in msg.body and "November 9, 2026" in msg.body  # 15 days past due
    assert (msg.encoding, msg.segments) == ("GSM-7", 2)
    report = remind(session, settings, INSIDE)
    assert (report.claimed, report.sent) == (0, 0)
    assert len(session.scalars(select(Message)).all()) == 1


def test_it_defers_outside_08_to_21_local_time_until_the_window_opens(session, settings):
    make_borrower(session)
    report = remind(session, settings, AFTER_9PM)
    assert (report.sent, report.deferred) == (0, 1)
    item = session.scalar(select(OutboxItem))
    assert item.status == "pending" and item.not_before == NEXT_8AM
    assert item.last_decision["reasons"] == ["contact_window"]
    assert session.scalar(select(Message)) is None
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "outbox.deferred"))

    assert dispatch(session, settings, NEXT_8AM - timedelta(minutes=1)).claimed == 0
    assert dispatch(session, settings, NEXT_8AM).sent == 1


def test_it_skips_loans_not_due_soon(session, settings):
    make_borrower(
        session,
        loan={
            "days_past_due": 0,
            "past_due_amount": 0,
            "next_due_date": date(2026, 12, 20),
            "status": "current",
        },
    )
    assert plan(session, INSIDE).considered == 0


def test_it_cancels_and_logs_a_reminder_blocked_by_an_opt_out(session, settings):
    borrower = make_borrower(session)
    borrower.contact_points[0].opted_out_at = INSIDE
    session.commit()
    assert remind(session, settings, INSIDE).cancelled == 1
    assert remind(session, settings, INSIDE).cancelled == 0
    msg = session.scalar(select(Message))
    assert msg.status == "blocked" and msg.decision["reasons"] == ["opted_out"]
    assert session.scalar(select(OutboxItem)).status == "cancelled"


def test_it_writes_spanish_reminders_for_spanish_speakers(session, settings):
    make_borrower(session, locale="es_US")
    remind(session, settings, INSIDE)
    body = session.scalar(select(Message.body))
    assert "Responda STOP" in body and "9 de noviembre de 2026" in body
    assert "$420.00" in body  # Babel: es_US writes dollars the US way


def test_it_reconciles_a_row_left_sending_by_a_crash_without_sending_twice(session, settings):
    make_borrower(session)
    plan(session, INSIDE)
    item = session.scalar(select(OutboxItem))
    item.status, item.claimed_at = "sending", INSIDE  # the dispatcher died after claiming
    session.commit()
    later = INSIDE.replace(hour=17)
    report = dispatch(session, settings, later)
    assert (report.reconciled, report.sent) == (1, 1)
    assert len(session.scalars(select(Message)).all()) == 1
