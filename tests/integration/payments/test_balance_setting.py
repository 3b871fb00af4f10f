"""config/payments.yaml ``reduce_balance``: an applied payment lowers the mirrored balance at once,
or the figures wait for the lender's import; the import always writes the lender's own figures,
so a payment is never counted twice."""

from __future__ import annotations

import csv
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from outreach.loan_import.upsert import import_rows
from outreach.models import Loan, ProviderPayment
from outreach.payments import parked
from outreach.settings import ROOT
from tests.support.cases import handed_off
from tests.support.factories import make_borrower
from tests.support.officers import login, make_officer
from tests.support.payment_calls import post_stripe
from tests.support.payment_signing import stripe_session_event

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "loan-book.csv"


@pytest.fixture
def reducing(tmp_path, monkeypatch):
    """The shipped configuration with ``reduce_balance: true``."""
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    text = (config / "payments.yaml").read_text(encoding="utf-8")
    assert "reduce_balance: false" in text
    (config / "payments.yaml").write_text(
        text.replace("reduce_balance: false", "reduce_balance: true"), encoding="utf-8"
    )
    monkeypatch.setenv("OUTREACH_CONFIG_DIR", str(config))


def pay(client, clock, loan_number, cents, intent, currency="usd") -> str:
    event = stripe_session_event(loan_number, cents, currency, intent=intent)
    response = post_stripe(client, clock, event)
    assert response.status_code == 200, response.data
    return response.get_json()["status"]


def figures(session, loan) -> tuple[Decimal, Decimal]:
    session.expire_all()
    fresh = session.get(Loan, loan.id)
    return fresh.outstanding, fresh.past_due_amount


def test_it_leaves_the_balance_to_the_lenders_import_as_shipped(client, session, clock):
    loan = make_borrower(session).loans[0]  # 3,210.55 outstanding, 420.00 past due
    assert pay(client, clock, loan.loan_number, 10000, "pi_default") == "applied"
    assert figures(session, loan) == (Decimal("3210.55"), Decimal("420.00"))


@pytest.mark.usefixtures("reducing")
def test_it_lowers_outstanding_and_arrears_at_once_and_the_console_shows_it(
    client, session, settings, clock
):
    case = handed_off(session, settings)
    loan = case.borrower.loans[0]

    assert pay(client, clock, loan.loan_number, 10000, "pi_reduce") == "applied"
    assert pay(client, clock, loan.loan_number, 10000, "pi_reduce") == "duplicate"

    assert figures(session, loan) == (Decimal("3110.55"), Decimal("320.00"))  # once
    login(client, make_officer(session, "supervisor"))
    loans = client.get(f"/console/cases/{case.id}").get_data(as_text=True)
    loans = loans[loans.index('id="loans"') :]
    assert "3,110.55 USD" in loans and "<td>320.00</td>" in loans


@pytest.mark.usefixtures("reducing")
def test_it_never_lowers_them_below_zero(client, session, clock):
    loan = make_borrower(session).loans[0]
    assert pay(client, clock, loan.loan_number, 350000, "pi_overpaid") == "applied"  # 3,500.00
    assert figures(session, loan) == (Decimal("0.00"), Decimal("0.00"))


@pytest.mark.usefixtures("reducing")
def test_it_lowers_them_for_a_parked_payment_once_matched_not_before(
    app, client, session, settings, clock
):
    loan = make_borrower(session).loans[0]
    assert pay(client, clock, "LN-TYPO", 2000, "pi_parked") == "review"
    assert figures(session, loan) == (Decimal("3210.55"), Decimal("420.00"))
    row = session.scalars(select(ProviderPayment)).one()
    parked.match(
        session,
        row.id,
        loan.loan_number,
        clock.now(),
        officer_id=make_officer(session, "supervisor").id,
        settings=settings,
        channels=app.extensions["channels"],
    )
    assert figures(session, loan) == (Decimal("3190.55"), Decimal("400.00"))


def book(**changes: str) -> list[dict[str, str]]:
    """The example loan book, with the first loan's (LN-100-2001) columns changed."""
    with EXAMPLE.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[0].update(changes)
    return rows


@pytest.mark.usefixtures("reducing")
def test_it_lets_the_next_import_write_the_lenders_figures_never_counting_a_payment_twice(
    client, session, clock
):
    list(import_rows(session, book(), now=clock.now()))
    loan = session.scalars(select(Loan).where(Loan.loan_number == "LN-100-2001")).one()
    assert figures(session, loan) == (Decimal("3210.55"), Decimal("420.00"))
    assert pay(client, clock, "LN-100-2001", 10000, "pi_before_import") == "applied"
    assert figures(session, loan) == (Decimal("3110.55"), Decimal("320.00"))

    # The lender has posted the payment: its book says 3,110.55 / 320.00, and so do we.
    posted = book(outstanding="3110.55", past_due_amount="320.00")
    outcomes = [outcome for _, outcome, _ in import_rows(session, posted, now=clock.now())]
    assert outcomes[0] == "unchanged"
    assert figures(session, loan) == (Decimal("3110.55"), Decimal("320.00"))

    # The lender allocated it otherwise (a 15.00 fee first): its figures win.
    allocated = book(outstanding="3125.55", past_due_amount="335.00")
    list(import_rows(session, allocated, now=clock.now()))
    assert figures(session, loan) == (Decimal("3125.55"), Decimal("335.00"))
