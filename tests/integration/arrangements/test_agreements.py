"""Storing plans and promises (outreach.arrangements.agreements: create_plan, record_promise)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from outreach.arrangements.agreements import create_plan, record_promise
from outreach.arrangements.limits import PlanTerms
from outreach.models import AuditEvent, Loan, PaymentPlan, PromiseToPay
from tests.support.factories import make_borrower

TODAY = date(2026, 11, 23)


def test_it_stores_an_accepted_plan_with_its_schedule_and_audits_it(session) -> None:
    loan = make_borrower(session).loans[0]
    first = create_plan(
        session, loan, PlanTerms(Decimal("100"), 5, "monthly", TODAY), created_by="bot", today=TODAY
    )
    plan = create_plan(
        session,
        loan,
        PlanTerms(Decimal("140"), 3, "biweekly", TODAY),
        created_by="bot",
        today=TODAY,
    )
    session.commit()
    assert (plan.status, plan.total, plan.instalment_count) == ("accepted", Decimal("420.00"), 3)
    assert [(i.seq, i.due_date, i.amount) for i in plan.instalments] == [
        (1, TODAY, Decimal("140.00")),
        (2, TODAY + timedelta(days=14), Decimal("140.00")),
        (3, TODAY + timedelta(days=28), Decimal("140.00")),
    ]
    assert first.status == "cancelled" and plan.accepted_at is not None
    actions = session.scalars(select(AuditEvent.action)).all()
    assert actions.count("plan.created") == 2


def test_it_refuses_a_plan_outside_policy_unless_an_officer_approves(session) -> None:
    loan = make_borrower(session).loans[0]
    wide = PlanTerms(Decimal("30"), 14, "weekly", TODAY)
    with pytest.raises(ValueError, match=r"^terms: outside policy .*max_count"):
        create_plan(session, loan, wide, created_by="bot", today=TODAY)
    plan = create_plan(
        session, loan, wide, created_by="officer:7", outside_policy=True, today=TODAY
    )
    assert plan.outside_policy and plan.instalment_count == 14
    assert session.scalars(select(PaymentPlan)).all() == [plan]


def test_it_records_a_promise_within_the_configured_maximum(session) -> None:
    loan: Loan = make_borrower(session).loans[0]
    old = record_promise(
        session, loan, TODAY + timedelta(days=2), None, created_by="bot", today=TODAY
    )
    promise = record_promise(
        session, loan, TODAY + timedelta(days=14), Decimal("420"), created_by="bot", today=TODAY
    )
    session.commit()
    assert (promise.status, promise.amount) == ("open", Decimal("420.00"))
    assert old.status == "cancelled"
    assert "promise.recorded" in session.scalars(select(AuditEvent.action)).all()


@pytest.mark.parametrize(
    ("days", "amount", "field"),
    [
        (15, None, "promised_date"),
        (-1, None, "promised_date"),
        (3, "0", "amount"),
    ],
)
def test_it_refuses_a_promise_naming_the_field(session, days, amount, field) -> None:
    loan = make_borrower(session).loans[0]
    with pytest.raises(ValueError, match=f"^{field}:"):
        record_promise(
            session,
            loan,
            TODAY + timedelta(days=days),
            Decimal(amount) if amount else None,
            created_by="bot",
            today=TODAY,
        )
    assert session.scalars(select(PromiseToPay)).all() == []
