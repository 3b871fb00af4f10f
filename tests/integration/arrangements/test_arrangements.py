"""Reviewing plans and promises against payments received (with GRACE_DAYS for bank posting)."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from outreach.arrangements.review import GRACE_DAYS, review_arrangements
from outreach.models import (
    AuditEvent,
    Borrower,
    Loan,
    Payment,
    PaymentPlan,
    PlanInstalment,
    PromiseToPay,
)
from tests.support.factories import make_borrower

CREATED = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
FIRST_DUE = date(2026, 11, 10)


def noon(day: date) -> datetime:
    """Midday UTC: the same calendar day for the Chicago borrower of the factory."""
    return datetime.combine(day, time(12), tzinfo=UTC)


def setup_plan(session):
    borrower = make_borrower(session)
    loan = session.scalar(select(Loan))
    plan = PaymentPlan(
        loan_id=loan.id,
        borrower_id=borrower.id,
        status="accepted",
        instalment_amount=Decimal("100.00"),
        instalment_count=2,
        frequency="weekly",
        start_date=FIRST_DUE,
        first_amount=Decimal("100.00"),
        total=Decimal("200.00"),
        created_by="bot",
        created_at=CREATED,
    )
    session.add(plan)
    session.flush()
    for seq in (1, 2):
        session.add(
            PlanInstalment(
                plan_id=plan.id,
                seq=seq,
                amount=Decimal("100.00"),
                due_date=FIRST_DUE + timedelta(days=7 * (seq - 1)),
            )
        )
    session.commit()
    return loan, plan


def pay(session, loan, amount, at):
    session.add(Payment(loan_id=loan.id, amount=Decimal(amount), paid_at=at))
    session.commit()


def test_it_marks_instalments_paid_in_order_and_the_plan_current_then_completed(session):
    loan, plan = setup_plan(session)
    pay(session, loan, "50.00", CREATED - timedelta(days=1))  # before the plan: not counted
    pay(session, loan, "130.00", datetime(2026, 11, 9, tzinfo=UTC))
    report = review_arrangements(session, noon(date(2026, 11, 11)))
    assert [i.status for i in plan.instalments] == ["paid", "due"]
    assert plan.instalments[1].paid_amount == Decimal("30.00")
    assert plan.status == "current" and report.plans == {"current": 1}
    pay(session, loan, "70.00", datetime(2026, 11, 17, tzinfo=UTC))
    review_arrangements(session, noon(date(2026, 11, 17)))
    assert plan.status == "completed" and plan.completed_at is not None
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "plan.completed"))


def test_it_breaks_a_plan_only_after_the_grace_days(session):
    _loan, plan = setup_plan(session)
    review_arrangements(session, noon(FIRST_DUE + timedelta(days=GRACE_DAYS)))
    assert plan.status == "accepted" and plan.instalments[0].status == "due"
    report = review_arrangements(session, noon(FIRST_DUE + timedelta(days=GRACE_DAYS + 1)))
    assert plan.status == "broken" and plan.instalments[0].status == "missed"
    assert report.instalments_missed == 1 and plan.broken_at is not None


def make_promise(session, amount="420.00"):
    borrower = make_borrower(session)
    loan = session.scalar(select(Loan))
    ptp = PromiseToPay(
        loan_id=loan.id,
        borrower_id=borrower.id,
        amount=Decimal(amount) if amount else None,
        promised_date=date(2026, 11, 20),
        created_by="bot",
        created_at=CREATED,
    )
    session.add(ptp)
    session.commit()
    return loan, ptp


def test_it_keeps_a_promise_paid_within_the_grace_days(session):
    loan, ptp = make_promise(session)
    pay(session, loan, "200.00", datetime(2026, 11, 19, tzinfo=UTC))
    review_arrangements(session, noon(date(2026, 11, 20)))
    assert ptp.status == "open"  # not enough yet, not late yet
    pay(session, loan, "220.00", datetime(2026, 11, 22, 9, tzinfo=UTC))
    assert review_arrangements(session, noon(date(2026, 11, 22))).promises == {"kept": 1}
    assert ptp.status == "kept" and ptp.resolved_at is not None


def test_it_breaks_a_promise_not_covered_after_the_grace_days(session):
    loan, ptp = make_promise(session)
    pay(session, loan, "420.00", datetime(2026, 11, 25, tzinfo=UTC))  # too late to count
    review_arrangements(session, noon(date(2026, 11, 22)))
    assert ptp.status == "open"
    review_arrangements(session, noon(date(2026, 11, 23)))
    assert ptp.status == "broken"


def test_it_keeps_a_promise_without_amount_on_any_payment(session):
    loan, ptp = make_promise(session, amount=None)
    pay(session, loan, "10.00", datetime(2026, 11, 20, tzinfo=UTC))
    review_arrangements(session, noon(date(2026, 11, 20)))
    assert ptp.status == "kept"


def test_it_counts_the_grace_days_in_the_borrowers_own_zone(session):
    _loan, plan = setup_plan(session)
    borrower = session.get(Borrower, plan.borrower_id)
    borrower.timezone = "Pacific/Honolulu"
    session.commit()
    last_grace_day = FIRST_DUE + timedelta(days=GRACE_DAYS)
    # 05:00 UTC on the day after the grace period is still its last day (19:00) in Honolulu.
    evening_in_honolulu = datetime.combine(last_grace_day + timedelta(days=1), time(5), tzinfo=UTC)
    assert review_arrangements(session, evening_in_honolulu).instalments_missed == 0
    morning_after = evening_in_honolulu + timedelta(hours=6)
    assert review_arrangements(session, morning_after).instalments_missed == 1
