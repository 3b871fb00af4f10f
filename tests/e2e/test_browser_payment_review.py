"""A supervisor in real Chromium matches a parked payment to a loan, and the case shows it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from outreach.models import PromiseToPay
from tests.conftest import make_settings
from tests.support import servers
from tests.support.browser import ARTIFACTS, csp_violations, sign_in
from tests.support.cases import handed_off
from tests.support.officers import make_officer
from tests.support.payment_calls import post_stripe
from tests.support.payment_signing import PAYMENT_ENV, stripe_session_event

pytestmark = [pytest.mark.browser]


@pytest.fixture
def settings(database_url):
    return make_settings(database_url, **PAYMENT_ENV)


@pytest.fixture
def live(app) -> Iterator[servers.LiveServer]:
    app.config["WTF_CSRF_ENABLED"] = True  # the real forms, tokens and all
    with servers.LiveServer(app, servers.free_port()) as server:
        yield server


def test_it_lets_a_supervisor_match_a_parked_payment_and_the_case_shows_it(
    browser, live, app, client, session, settings, clock
):
    case = handed_off(session, settings)
    loan = case.borrower.loans[0]
    session.add(
        PromiseToPay(
            loan_id=loan.id,
            borrower_id=case.borrower_id,
            amount=Decimal("100.00"),
            promised_date=case.borrower.today(clock.now()) + timedelta(days=3),
            created_by="bot",
        )
    )
    session.commit()
    supervisor = make_officer(session, "supervisor")
    clock.advance(minutes=5)
    # The borrower paid 100.00 by card, but the payment names a mistyped loan: parked.
    typo = stripe_session_event("LN-TYPO-42", 10000, intent="pi_3TypoPaid")
    assert post_stripe(client, clock, typo).get_json()["status"] == "review"

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    violations = csp_violations(context)
    page = context.new_page()
    sign_in(page, live.url, supervisor.email)
    nav = page.get_by_role("link", name="Payments to review")
    expect(nav).to_contain_text("1")
    nav.click()

    queue = page.locator("#parked-payments")
    expect(queue).to_contain_text("pi_3TypoPaid")
    expect(queue).to_contain_text("100.00 USD")
    expect(queue).to_contain_text("No loan has the number the payment named.")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-payment-review.png"), full_page=True)
    page.get_by_label("Loan number for payment pi_3TypoPaid").fill(loan.loan_number)
    page.get_by_role("button", name="Match to a loan").click()

    expect(page.get_by_role("status").first).to_contain_text("matched and applied")
    expect(queue).to_contain_text("No payments are waiting for review.")
    expect(page.get_by_role("link", name="Payments to review")).not_to_contain_text("1")

    page.goto(f"{live.url}/console/cases/{case.id}")
    payments = page.locator("#payments-panel")
    expect(payments).to_contain_text("100.00 USD")
    expect(payments).to_contain_text("applied")
    expect(payments).to_contain_text("matched by a supervisor")
    expect(page.locator("#arrangements-panel")).to_contain_text("Promise kept")
    page.screenshot(path=str(ARTIFACTS / "console-payment-matched.png"), full_page=True)
    assert violations == []
