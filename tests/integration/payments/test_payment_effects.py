"""What a matched payment moves at once: promises, plan instalments, pending reminders."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from outreach.campaigns.planner import plan
from outreach.models import (
    AuditEvent,
    Message,
    OutboxItem,
    PaymentPlan,
    PlanInstalment,
    PromiseToPay,
)
from tests.support.factories import make_borrower
from tests.support.payment_calls import post_stripe
from tests.support.payment_signing import stripe_session_event


def promise(session, borrower, amount: str, clock) -> PromiseToPay:
    ptp = PromiseToPay(
        loan_id=borrower.loans[0].id,
        borrower_id=borrower.id,
        amount=Decimal(amount),
        promised_date=borrower.today(clock.now()) + timedelta(days=3),
        created_by="bot",
    )
    session.add(ptp)
    session.commit()
    return ptp


def reminder(session, borrower, amount: str, key: str, status: str = "pending") -> OutboxItem:
    item = OutboxItem(
        idempotency_key=key,
        borrower_id=borrower.id,
        loan_id=borrower.loans[0].id,
        channel="sms",
        address="+13125550100",
        template="reminder_due",
        body="You owe ...",
        status=status,
        payload={"kind": "cadence", "amount": amount, "currency": "USD", "channels": ["sms"]},
    )
    session.add(item)
    session.commit()
    return item


def handed_over(session, borrower, item: OutboxItem) -> Message:
    """The message a dispatcher logged for ``item`` before its provider call."""
    msg = Message(
        borrower_id=borrower.id,
        loan_id=item.loan_id,
        direction="out",
        channel="sms",
        address=item.address,
        sender="scheduler",
        body=item.body,
        status="sending",
    )
    session.add(msg)
    session.flush()
    return msg


def pay(client, clock, loan_number: str, cents: int, intent: str):
    response = post_stripe(client, clock, stripe_session_event(loan_number, cents, intent=intent))
    assert response.status_code == 200, response.data
    return response


def test_a_promise_is_kept_once_the_payments_since_it_reach_its_amount(client, session, clock):
    borrower = make_borrower(session)
    ptp = promise(session, borrower, "100.00", clock)
    clock.advance(hours=1)

    pay(client, clock, borrower.loans[0].loan_number, 4000, "pi_part_1")  # a partial payment
    session.refresh(ptp)
    assert ptp.status == "open"

    clock.advance(hours=1)
    pay(client, clock, borrower.loans[0].loan_number, 6000, "pi_part_2")
    session.refresh(ptp)
    assert (ptp.status, ptp.resolved_at) == ("kept", clock.now())
    kept = session.scalars(select(AuditEvent).where(AuditEvent.action == "promise.kept")).one()
    assert kept.actor == "payments:stripe" and kept.details == {"paid": "100.00"}


def test_a_plan_instalment_is_paid_at_once(client, session, clock):
    borrower = make_borrower(session)
    today = borrower.today(clock.now())
    plan = PaymentPlan(
        loan_id=borrower.loans[0].id,
        borrower_id=borrower.id,
        status="accepted",
        instalment_amount=Decimal("50.00"),
        instalment_count=2,
        frequency="monthly",
        start_date=today,
        first_amount=Decimal("50.00"),
        total=Decimal("100.00"),
        created_by="bot",
    )
    session.add(plan)
    session.flush()
    for seq in (1, 2):
        due = today + timedelta(days=30 * (seq - 1))
        session.add(PlanInstalment(plan_id=plan.id, seq=seq, due_date=due, amount=Decimal("50")))
    session.commit()
    clock.advance(minutes=5)

    pay(client, clock, borrower.loans[0].loan_number, 5000, "pi_inst_1")
    session.expire_all()
    assert [i.status for i in plan.instalments] == ["paid", "due"]
    assert plan.status == "current"


def test_reminders_the_payment_covers_are_cancelled_before_they_go_out(client, session, clock):
    borrower = make_borrower(session)  # 420.00 past due
    pending = reminder(session, borrower, "420.00", "loan:1:d15")
    claimed = reminder(session, borrower, "420.00", "loan:1:d8", status="sending")
    handed = reminder(session, borrower, "420.00", "loan:1:d1", status="sending")
    handed.message_id = handed_over(session, borrower, handed).id
    session.commit()
    clock.advance(hours=2)

    pay(client, clock, borrower.loans[0].loan_number, 20000, "pi_arrears_1")  # 200: not enough
    session.refresh(pending)
    assert pending.status == "pending"

    clock.advance(minutes=1)
    pay(client, clock, borrower.loans[0].loan_number, 22000, "pi_arrears_2")
    for item in (pending, claimed, handed):
        session.refresh(item)
    assert (pending.status, pending.last_error) == ("cancelled", "payment_received")
    # claimed by a dispatcher that has not decided it yet: stopped too
    assert (claimed.status, claimed.last_error) == ("cancelled", "payment_received")
    assert handed.status == "sending"  # its message is logged: handed over, never recalled
    stopped = session.scalars(select(AuditEvent).where(AuditEvent.action == "outbox.stopped"))
    assert sorted(e.subject for e in stopped) == [f"outbox:{pending.id}", f"outbox:{claimed.id}"]


def test_a_reminder_planned_after_the_payment_is_not_cancelled_by_it(client, session, clock):
    borrower = make_borrower(session)
    pay(client, clock, borrower.loans[0].loan_number, 42000, "pi_before")
    clock.advance(minutes=1)
    later = reminder(session, borrower, "420.00", "loan:1:d22")
    pay(client, clock, borrower.loans[0].loan_number, 100, "pi_small_after")
    session.refresh(later)
    assert later.status == "pending"


def test_the_next_step_does_not_ask_again_for_arrears_paid_before_the_lenders_next_import(
    client, session, clock
):
    # config/payments.yaml reduce_balance: false: the mirrored arrears stay as the lender sent
    # them until its next import; the cadence must not ask for the paid 420.00 again meanwhile.
    borrower = make_borrower(session, loan={"days_past_due": 3})
    loan = borrower.loans[0]
    plan(session, clock.now())
    first = session.scalars(select(OutboxItem)).one()

    pay(client, clock, loan.loan_number, 42000, "pi_all_arrears")
    session.refresh(first)
    assert first.status == "cancelled"

    clock.advance(days=5)  # a later cadence step is due by the loan's days past due
    session.expire_all()  # the lender has not posted the payment yet: the figures are as sent
    report = plan(session, clock.now())
    assert session.scalars(select(OutboxItem).where(OutboxItem.status == "pending")).all() == []
    assert report.queued == 0

    loan.past_due_amount, loan.days_past_due = Decimal("80.00"), 8  # the lender's next import
    session.commit()
    clock.advance(minutes=1)
    plan(session, clock.now())
    assert session.scalars(select(OutboxItem).where(OutboxItem.status == "pending")).one()
