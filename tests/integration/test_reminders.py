"""The skeleton reminder job: one SMS per loan and due date, only inside the contact window."""

from datetime import UTC, date, datetime

from sqlalchemy import select

from outreach.models import Message
from outreach.reminders import send_due_reminders
from tests.support.factories import make_borrower

# 2026-11-24 is a Tuesday; Chicago is UTC-6 in November.
INSIDE = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # 10:00 in Chicago
BEFORE_8 = datetime(2026, 11, 24, 13, 59, tzinfo=UTC)  # 07:59 in Chicago
AFTER_9PM = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 21:00 in Chicago


def test_it_sends_one_reminder_inside_the_window_and_never_twice(session, settings):
    borrower = make_borrower(session)
    report = send_due_reminders(session, settings, INSIDE)
    assert report.sent == 1
    msg = session.scalar(select(Message))
    assert (msg.channel, msg.address, msg.sender, msg.template) == (
        "sms", "+13125550100", "scheduler", "payment_reminder")
    assert msg.borrower_id == borrower.id and msg.status == "delivered"
    assert msg.decision["allowed"] is True and msg.decision["rules_version"]
    assert "Reply STOP to stop" in msg.body and "Demo Lender" in msg.body
    assert send_due_reminders(session, settings, INSIDE).sent == 0


def test_it_waits_outside_08_to_21_local_time(session, settings):
    make_borrower(session)
    for now in (BEFORE_8, AFTER_9PM):
        report = send_due_reminders(session, settings, now)
        assert (report.sent, report.deferred) == (0, 1)
    assert session.scalar(select(Message)) is None


def test_it_skips_loans_not_due_soon(session, settings):
    make_borrower(session, loan={"days_past_due": 0, "past_due_amount": 0,
                                 "next_due_date": date(2026, 12, 20), "status": "current"})
    assert send_due_reminders(session, settings, INSIDE).considered == 0


def test_it_logs_a_reminder_blocked_by_an_opt_out_once(session, settings):
    borrower = make_borrower(session)
    borrower.contact_points[0].opted_out_at = INSIDE
    session.commit()
    assert send_due_reminders(session, settings, INSIDE).blocked == 1
    assert send_due_reminders(session, settings, INSIDE).blocked == 0
    msg = session.scalar(select(Message))
    assert msg.status == "blocked" and msg.decision["reasons"] == ["opted_out"]


def test_it_writes_spanish_reminders_for_spanish_speakers(session, settings):
    make_borrower(session, locale="es_US")
    send_due_reminders(session, settings, INSIDE)
    body = session.scalar(select(Message.body))
    assert "Responda STOP" in body and "diciembre" in body
