"""The dispatcher decides a claimed batch as a whole: caps hold between rows of one batch, the
audit chain stays intact across batched appends, one bad row does not stop the batch, and a
long pass sees opt-outs that arrive while it runs."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from outreach.audit import log as audit
from outreach.campaigns.planner import plan
from outreach.messaging.contact_policy import load_facts
from outreach.models import AuditEvent, ContactPoint, Loan, Message, OutboxItem
from outreach.outbox.dispatcher import dispatch
from tests.support.channels import FakeChannels
from tests.support.factories import make_borrower

INSIDE = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)


@pytest.fixture
def provider():
    return FakeChannels()


def test_two_reminders_for_one_borrower_in_one_batch_are_held_to_the_daily_cap(
    session, settings, provider
):
    borrower = make_borrower(session, loan={"days_past_due": 3})
    session.add(
        Loan(
            borrower_id=borrower.id,
            loan_number="LN-SECOND-5678",
            product="personal",
            currency="USD",
            principal=Decimal("900.00"),
            outstanding=Decimal("300.00"),
            past_due_amount=Decimal("100.00"),
            days_past_due=3,
            next_due_date=INSIDE.date() + timedelta(days=20),
            next_due_amount=Decimal("100.00"),
            status="delinquent",
        )
    )
    session.commit()
    plan(session, INSIDE)
    assert session.scalar(select(func.count()).select_from(OutboxItem)) == 2

    report = dispatch(session, settings, INSIDE, channels=provider)

    # SMS at most once a day (config/policy/default.yaml per_channel_24h): the second row of
    # the same batch waits for tomorrow instead of going out alongside the first.
    assert (report.sent, report.deferred) == (1, 1) and len(provider.sent) == 1
    waiting = session.scalar(select(OutboxItem).where(OutboxItem.status == "pending"))
    assert waiting.not_before > INSIDE + timedelta(hours=12)
    assert any("cap" in reason for reason in waiting.last_decision["reasons"])


def test_the_audit_chain_holds_after_batched_appends(session, settings, provider):
    for i in range(30):
        borrower = make_borrower(session, phone=f"+1312555{i:04d}", loan={"days_past_due": 3})
        if i % 3 == 0:  # a third opted out: blocked, logged, nothing sent
            borrower.contact_points[0].opted_out_at = INSIDE - timedelta(days=1)
    session.commit()
    plan(session, INSIDE)
    audit.record(session, "test", "before.dispatch")  # a single append before the batch
    session.commit()

    report = dispatch(session, settings, INSIDE, channels=provider, workers=4)

    assert (report.sent, report.cancelled) == (20, 10)
    # 20 message.out and 10 message.blocked, appended in two chunks (4 workers: 16 rows each)
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == 31
    assert audit.verify_chain(session) is None


def test_a_row_that_cannot_be_rendered_goes_back_to_the_queue_and_the_rest_go_out(
    session, settings, provider
):
    for i in range(3):
        make_borrower(session, phone=f"+1312666{i:04d}", loan={"days_past_due": 3})
    plan(session, INSIDE)
    broken = session.scalars(select(OutboxItem).order_by(OutboxItem.id)).first()
    broken.template = "no_such_template"
    session.commit()

    report = dispatch(session, settings, INSIDE, channels=provider)

    assert (report.sent, report.retried) == (2, 1) and len(provider.sent) == 2
    session.refresh(broken)
    assert broken.status == "pending" and broken.not_before > INSIDE
    assert broken.last_error == "dispatch error: LookupError"
    assert session.scalar(select(func.count()).where(Message.status == "sending")) == 0


def test_facts_loaded_again_in_a_long_lived_session_see_an_opt_out_from_elsewhere(
    session, settings
):
    borrower = make_borrower(session, loan={"days_past_due": 3})
    other = type(session)(bind=session.get_bind(), expire_on_commit=False)
    before = load_facts(other, [borrower.id], INSIDE)[borrower.id]
    assert before.points[0].opted_out_at is None

    point = session.scalar(select(ContactPoint).where(ContactPoint.borrower_id == borrower.id))
    point.opted_out_at = INSIDE  # a STOP handled by the web process meanwhile
    session.commit()

    after = load_facts(other, [borrower.id], INSIDE)[borrower.id]
    assert after.points[0].opted_out_at is not None
    other.close()
