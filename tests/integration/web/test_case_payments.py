"""Payments through the product on the case panel and on the borrower's audit timeline."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from outreach.models import ProviderPayment
from outreach.payments import parked
from tests.conftest import make_settings
from tests.support.cases import handed_off
from tests.support.officers import login, make_officer
from tests.support.payment_calls import post_stripe
from tests.support.payment_signing import PAYMENT_ENV, stripe_session_event


@pytest.fixture
def settings(database_url):
    return make_settings(database_url, **PAYMENT_ENV)


def pay(client, clock, loan_number, cents, intent, currency="usd") -> str:
    event = stripe_session_event(loan_number, cents, currency, intent=intent)
    return post_stripe(client, clock, event).get_json()["status"]


def section(page: str, marker: str) -> str:
    start = page.index(marker)
    return page[start : page.index("</section>", start)]


def parked_then_matched(app, client, session, settings, clock, loan, supervisor) -> None:
    assert pay(client, clock, "LN-TYPO-1", 2500, "pi_typo") == "review"
    row = session.scalars(select(ProviderPayment).where(ProviderPayment.reference == "pi_typo"))
    clock.advance(minutes=20)
    parked.match(
        session,
        row.one().id,
        loan.loan_number,
        clock.now(),
        officer_id=supervisor.id,
        settings=settings,
        channels=app.extensions["channels"],
    )


def test_it_shows_the_loans_payments_through_the_product_on_the_case(
    app, client, session, settings, clock
):
    case = handed_off(session, settings)
    loan = case.borrower.loans[0]
    supervisor = make_officer(session, "supervisor")
    assert pay(client, clock, loan.loan_number, 4000, "pi_applied") == "applied"
    clock.advance(minutes=10)
    assert pay(client, clock, loan.loan_number, 1500, "pi_euro", "eur") == "review"
    parked_then_matched(app, client, session, settings, clock, loan, supervisor)
    login(client, supervisor)

    panel = section(
        client.get(f"/console/cases/{case.id}").get_data(as_text=True), 'id="payments-panel"'
    )

    rows = [html.unescape(r) for r in panel.split("<tr>")[2:]]  # newest first
    assert "25.00 USD" in rows[0] and "matched by a supervisor" in rows[0]
    assert "2026-11-24 10:10" in rows[0]  # received 16:10 UTC, shown in the office's zone
    assert "15.00 EUR" in rows[1] and "waiting for review" in rows[1]
    assert "40.00 USD" in rows[2] and "stripe" in rows[2] and "applied" in rows[2]
    assert "2026-11-24 10:00" in rows[2]
    assert "America/Chicago" in panel


def test_it_shows_a_payment_and_one_parked_then_matched_on_the_borrowers_timeline(
    app, client, session, settings, clock
):
    case = handed_off(session, settings)
    loan = case.borrower.loans[0]
    supervisor = make_officer(session, "supervisor")
    assert pay(client, clock, loan.loan_number, 4000, "pi_direct") == "applied"
    clock.advance(minutes=5)
    parked_then_matched(app, client, session, settings, clock, loan, supervisor)
    login(client, make_officer(session, "auditor"))

    page = html.unescape(client.get(f"/audit/borrowers/{case.borrower_id}").get_data(as_text=True))

    assert f"payment 40.00 USD via stripe on loan #{loan.id}" in page
    matched = f"payment 25.00 USD via stripe on loan #{loan.id} (parked for review, then matched)"
    assert matched in page
    entry = page[page.index(matched) : page.index("</tr>", page.index(matched))]
    assert "unknown_loan" in entry and "LN-TYPO-1" in entry
    assert f"officer #{supervisor.id}" in entry and "2026-11-24 16:25:00" in entry
    assert f"payment.matched by officer:{supervisor.id}" in page
    assert f"payment.received by officer:{supervisor.id}" in page
    assert "payment.received by payments:stripe" in page
    assert page.count('class="kind-payment"') == 5  # two payments, received x2, matched
