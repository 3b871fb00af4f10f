"""The planning pass: cadence steps, stop and pause conditions, arrangements, idempotency."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from outreach.campaigns.planner import plan
from outreach.models import (
    BorrowerFlag,
    Conversation,
    HandoffCase,
    Loan,
    OutboxItem,
    PaymentPlan,
    PlanInstalment,
    PromiseToPay,
)
from tests.support.factories import make_borrower

NOW = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
TODAY = NOW.date()


def current_loan(session, due_in_days, phone="+13125550100", **fields):
    return make_borrower(
        session,
        phone=phone,
        loan={
            "days_past_due": 0,
            "past_due_amount": Decimal("0"),
            "status": "current",
            "next_due_date": TODAY + timedelta(days=due_in_days),
            **fields,
        },
    )


def keys(session):
    return sorted(session.scalars(select(OutboxItem.idempotency_key)))


def test_it_queues_the_step_a_loan_has_reached_once_per_loan_step_and_due_date(session):
    current_loan(session, 3, "+13125550101")
    current_loan(session, 0, "+13125550102")
    current_loan(session, 4, "+13125550103")  # not due a step yet
    make_borrower(session, phone="+13125550104")  # 15 days past due
    report = plan(session, NOW)
    assert (report.considered, report.queued) == (3, 3)
    rows = {i.step: i for i in session.scalars(select(OutboxItem))}
    assert set(rows) == {"default-3", "default+0", "default+15"}
    assert rows["default-3"].template == "payment_reminder"
    assert rows["default+0"].template == "payment_due_today"
    assert rows["default+15"].payload["due_date"] == "2026-11-09"
    assert rows["default-3"].payload["channels"] == ["whatsapp", "sms", "email"]
    assert plan(session, NOW).queued == 0
    assert session.scalar(select(func.count(OutboxItem.id))) == 3


def test_it_catches_up_a_missed_step_but_never_repeats_one(session):
    make_borrower(session, loan={"days_past_due": 4})
    plan(session, NOW)
    # No import ran overnight, so days_past_due still says 4 and the anchor moved a day; it is
    # still the same delinquency's +3 step (next is +7): not queued again.
    plan(session, NOW + timedelta(days=1))
    assert keys(session) == ["c:1:+3:2026-11-20"]


def test_it_stops_paid_loans_and_current_loans_after_their_due_day(session):
    current_loan(session, -2, "+13125550101")  # due two days ago, 0 days past due: paid
    make_borrower(session, phone="+13125550102", loan={"status": "paid"})
    make_borrower(session, phone="+13125550103", loan={"outstanding": Decimal("0")})
    assert plan(session, NOW).considered == 0


def test_it_stops_on_a_blocking_flag_and_resumes_when_it_is_cleared(session):
    borrower = make_borrower(session)
    flag = BorrowerFlag(borrower_id=borrower.id, flag="dispute_open")
    session.add(flag)
    session.commit()
    report = plan(session, NOW, dry_run=True)
    assert report.stopped == {"borrower_flag": 1} and plan(session, NOW).queued == 0
    flag.cleared_at = NOW
    session.commit()
    assert plan(session, NOW).queued == 1


def test_it_pauses_while_an_officer_holds_a_handoff_case(session):
    borrower = make_borrower(session)
    conv = Conversation(
        channel="sms", address="+13125550100", borrower_id=borrower.id, owner="officer"
    )
    session.add(conv)
    session.flush()
    case = HandoffCase(conversation_id=conv.id, borrower_id=borrower.id, reason="agent")
    session.add(case)
    session.commit()
    assert plan(session, NOW).queued == 0
    case.status = "closed"
    session.commit()
    assert plan(session, NOW).queued == 1


def _plan_for(session, borrower, status="current"):
    loan = session.scalar(select(Loan).where(Loan.borrower_id == borrower.id))
    plan_row = PaymentPlan(
        loan_id=loan.id,
        borrower_id=borrower.id,
        status=status,
        instalment_amount=Decimal("100.00"),
        instalment_count=3,
        frequency="weekly",
        start_date=TODAY,
        first_amount=Decimal("100.00"),
        total=Decimal("300.00"),
        created_by="bot",
        created_at=NOW - timedelta(days=10),
    )
    session.add(plan_row)
    session.flush()
    for seq in range(1, 4):
        session.add(
            PlanInstalment(
                plan_id=plan_row.id,
                seq=seq,
                amount=Decimal("100.00"),
                due_date=TODAY + timedelta(days=2 + 7 * (seq - 1)),
            )
        )
    session.commit()
    return plan_row


def test_it_switches_a_loan_with_a_current_plan_to_instalment_reminders(session):
    borrower = make_borrower(session)
    plan_row = _plan_for(session, borrower)
    plan(session, NOW)
    rows = list(session.scalars(select(OutboxItem)))
    assert [(r.template, r.step) for r in rows] == [("instalment_reminder", "instalment1")]
    assert rows[0].payload["instalment_count"] == 3 and rows[0].payload["amount"] == "100.00"
    plan_row.status = "broken"  # a broken plan resumes the cadence
    session.commit()
    plan(session, NOW)
    assert {r.template for r in session.scalars(select(OutboxItem))} == {
        "instalment_reminder",
        "payment_overdue",
    }


def test_it_pauses_for_an_open_promise_and_reminds_the_day_before(session):
    borrower = make_borrower(session)
    loan = session.scalar(select(Loan))
    promise = PromiseToPay(
        loan_id=loan.id,
        borrower_id=borrower.id,
        amount=Decimal("420.00"),
        promised_date=TODAY + timedelta(days=3),
        created_by="bot",
    )
    session.add(promise)
    session.commit()
    assert plan(session, NOW).queued == 0  # paused, too early for the reminder
    assert plan(session, NOW + timedelta(days=2)).queued == 1
    item = session.scalar(select(OutboxItem))
    assert item.template == "promise_reminder" and item.payload["promised_date"] == "2026-11-27"
    promise.status = "broken"
    session.commit()
    assert plan(session, NOW + timedelta(days=5)).queued == 1  # the cadence resumes
    assert {i.template for i in session.scalars(select(OutboxItem))} == {
        "promise_reminder",
        "payment_overdue",
    }


def test_it_reports_each_pause_rule_in_a_dry_run_without_writing(session):
    make_borrower(session, phone="+13125550101")
    borrower = make_borrower(session, phone="+13125550102")
    _plan_for(session, borrower)
    report = plan(session, NOW, dry_run=True)
    assert report.stopped == {"plan_current": 1}
    assert len(report.items) == 3  # one cadence step, one paused step, one instalment
    assert session.scalar(select(func.count(OutboxItem.id))) == 0
