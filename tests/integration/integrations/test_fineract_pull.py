"""Pulling the book from Fineract: paged clients and loans, schedules and arrears, upserted by
external id through the loan import; a second pull changes nothing; Fineract down loses
nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

import scheduler as scheduler_module
from outreach.models import Borrower, ContactPoint, FineractLoan, Loan
from tests.conftest import make_settings
from tests.support.fake_fineract import FakeFineract
from tests.support.fineract_env import fineract_env


@pytest.fixture
def fineract(clock):
    """The fake Fineract, its book standing where the test clock stands."""
    with FakeFineract(today=clock.now().date()) as fake:
        yield fake


@pytest.fixture
def settings(database_url, fineract):
    return make_settings(database_url, **fineract_env(fineract))


def book(fineract) -> None:
    for loan_id in (1, 2, 3, 4):
        fineract.add_loan(loan_id)
    # Approved, not disbursed: no debt yet, so not collection work.
    fineract.add_loan(5, status={"id": 200, "code": "loanStatusType.approved", "value": "Approved"})


def sync(runner, *args: str):
    return runner.invoke(args=["fineract", *(args or ("pull",))])


def test_it_pulls_clients_loans_schedules_and_arrears_page_by_page(runner, session, fineract):
    book(fineract)

    out = sync(runner)

    assert out.exit_code == 0, out.output
    assert (
        "5 Fineract loans: 4 created, 0 updated, 0 unchanged, 1 not collection work" in out.output
    )
    pages = [
        (r["path"].rsplit("/", 1)[-1], r["query"].get("offset"))
        for r in fineract.requests
        if r["query"].get("limit")
    ]
    assert pages == [
        ("clients", "0"),
        ("clients", "2"),
        ("clients", "4"),
        ("loans", "0"),
        ("loans", "2"),
        ("loans", "4"),
    ]
    assert all(
        r["query"]["limit"] == "2" and r["query"]["orderBy"] == "id"
        for r in fineract.requests
        if r["query"].get("limit")
    )
    details = [r["path"] for r in fineract.requests if r["query"].get("associations")]
    assert details == [f"/fineract-provider/api/v1/loans/{n}" for n in (1, 2, 3, 4)]
    assert all(r["headers"]["Fineract-Platform-TenantId"] == "default" for r in fineract.requests)

    loan = session.scalar(select(Loan).where(Loan.loan_number == "000000001"))
    assert (loan.product, loan.currency, loan.principal) == (
        "Personal Loan",
        "USD",
        Decimal("1200.00"),
    )
    assert (loan.outstanding, loan.past_due_amount, loan.days_past_due) == (
        Decimal("900.00"),
        Decimal("300.00"),
        23,
    )
    assert (loan.next_due_date, loan.next_due_amount, loan.status) == (
        date(2026, 12, 1),
        Decimal("300.00"),
        "delinquent",
    )
    borrower = loan.borrower
    assert (borrower.external_id, borrower.full_name, borrower.country) == (
        "CUST-1001",
        "Borrower 1",
        "US",
    )
    assert borrower.date_of_birth == date(1986, 4, 12)
    points = {
        (p.channel, p.address)
        for p in session.scalars(
            select(ContactPoint).where(ContactPoint.borrower_id == borrower.id)
        )
    }
    assert points == {("sms", "+12025550101"), ("email", "borrower1@example.com")}
    links = session.execute(
        select(FineractLoan.fineract_loan_id, FineractLoan.fineract_client_id)
    ).all()
    assert sorted(links) == [(n, n) for n in (1, 2, 3, 4)]


def test_it_pulls_again_idempotently_and_takes_what_changed(runner, session, fineract):
    book(fineract)
    assert sync(runner).exit_code == 0

    again = sync(runner)

    assert "0 created, 0 updated, 4 unchanged" in again.output
    assert session.scalar(select(func.count()).select_from(Borrower)) == 4
    fineract.repay(2, 300.0)
    fineract.loans[3]["status"] = {
        "id": 600,
        "code": "loanStatusType.closed.obligations.met",
        "value": "Closed (obligations met)",
        "closed": True,
    }
    fineract.loans[3]["summary"]["totalOutstanding"] = 0

    third = sync(runner)

    assert "0 created, 2 updated, 2 unchanged" in third.output
    session.expire_all()
    repaid = session.scalar(select(Loan).where(Loan.loan_number == "000000002"))
    assert (repaid.past_due_amount, repaid.status, repaid.outstanding) == (
        Decimal("0.00"),
        "current",
        Decimal("600.00"),
    )
    closed = session.scalar(select(Loan).where(Loan.loan_number == "000000003"))
    assert (closed.status, closed.outstanding, closed.next_due_date) == (
        "paid",
        Decimal("0.00"),
        None,
    )


def test_it_names_a_loan_the_loan_book_refuses_and_keeps_the_others(runner, session, fineract):
    book(fineract)
    fineract.clients[2]["mobileNo"] = "12"

    out = sync(runner)

    assert out.exit_code == 0
    assert "loan 000000002 (Fineract id 2): phone: not a valid phone number: '12'" in out.output
    assert sorted(session.scalars(select(Loan.loan_number))) == [
        "000000001",
        "000000003",
        "000000004",
    ]


def test_it_stops_with_a_clear_error_when_fineract_is_down_and_loses_nothing(
    runner, session, fineract
):
    book(fineract)
    # Up for the clients' pages, the first loans page and its two loans, then down.
    fineract.fail_after = 3 + 1 + 2

    out = sync(runner)

    assert out.exit_code == 1
    assert f"Fineract at {fineract.url} answered 503 to GET /loans" in out.output
    assert "the next run tries again" in out.output
    assert sorted(session.scalars(select(Loan.loan_number))) == ["000000001", "000000002"]

    fineract.stop()
    gone = sync(runner)
    assert gone.exit_code == 1
    assert f"Fineract at {fineract.url} did not answer (ConnectionError)" in gone.output
    assert session.scalar(select(func.count()).select_from(Loan)) == 2


def test_it_recovers_on_the_next_run_after_fineract_was_down(runner, session, fineract):
    book(fineract)
    fineract.fail_after = 3 + 1 + 2
    assert sync(runner).exit_code == 1
    fineract.unavailable, fineract.fail_after = False, None

    out = sync(runner)

    assert out.exit_code == 0, out.output
    assert "2 created, 0 updated, 2 unchanged" in out.output
    assert session.scalar(select(func.count()).select_from(Loan)) == 4


def test_it_refuses_wrong_credentials_with_a_message_naming_the_settings(
    runner, app, fineract, database_url
):
    app.extensions["settings"] = make_settings(
        database_url, **fineract_env(fineract, FINERACT_PASSWORD="wrong")
    )

    out = sync(runner)

    assert out.exit_code == 1
    assert "refused the credentials (401)" in out.output and "FINERACT_PASSWORD" in out.output


def test_it_runs_as_the_schedulers_fineract_job(settings, session, fineract, clock, app):
    book(fineract)

    scheduler_module.JOBS["fineract"](settings, clock.now())

    assert session.scalar(select(func.count()).select_from(Loan)) == 4
