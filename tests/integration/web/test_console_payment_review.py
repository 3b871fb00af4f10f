"""The console's review queue of parked payments: who sees it, what it shows, the two decisions
(CSRF, roles, audit, once), and the count in the navigation."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from outreach.models import AuditEvent, Payment, ProviderPayment
from tests.conftest import make_settings
from tests.support.factories import make_borrower
from tests.support.officers import login, make_officer
from tests.support.payment_calls import post_stripe
from tests.support.payment_signing import PAYMENT_ENV, stripe_session_event

pytestmark = pytest.mark.usefixtures("clock")
PAGE = "/console/payments/review"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def settings(database_url):
    return make_settings(database_url, **PAYMENT_ENV)


def park(client, clock, loan_number, cents, intent, currency="usd") -> None:
    event = stripe_session_event(loan_number, cents, currency, intent=intent)
    response = post_stripe(client, clock, event)
    assert response.get_json()["status"] == "review", response.data


def row(session, intent) -> ProviderPayment:
    session.expire_all()
    return session.scalars(select(ProviderPayment).where(ProviderPayment.reference == intent)).one()


def test_it_lists_parked_payments_with_why_in_words_and_the_office_time(client, session, clock):
    make_borrower(session)  # a USD loan LN000000011234
    park(client, clock, "LN-NOBODY-1", 4250, "pi_unknown")
    clock.advance(minutes=5)
    park(client, clock, "LN000000011234", 1999, "pi_euro", "eur")
    login(client, make_officer(session, "supervisor"))

    page = client.get(PAGE).get_data(as_text=True)

    table = page[page.index('id="parked-payments"') :]
    assert "pi_unknown" in table and "42.50 USD" in table and "LN-NOBODY-1" in table
    assert "No loan has the number the payment named." in table
    assert "pi_euro" in table and "19.99 EUR" in table
    assert "Paid in another currency than the loan&#39;s." in table
    # 16:00 UTC is 10:00 in the lender's office (America/Chicago), where officers read times.
    assert "2026-11-24 10:00" in table and "2026-11-24 10:05" in table
    assert "America/Chicago" in page
    assert table.index("pi_unknown") < table.index("pi_euro")  # oldest first


def test_it_shows_the_count_in_the_navigation_to_supervisors_only(client, session, clock):
    park(client, clock, "LN-A", 1000, "pi_a")
    park(client, clock, "LN-B", 1000, "pi_b")
    supervisor, officer = make_officer(session, "supervisor"), make_officer(session)

    login(client, supervisor)
    queue = client.get("/console/").get_data(as_text=True)
    assert re.search(r'id="nav-payment-review">Payments to review <span[^>]*>2</span>', queue)

    client.post("/logout")
    login(client, officer)
    assert "Payments to review" not in client.get("/console/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["officer", "auditor"])
def test_it_refuses_the_page_and_both_decisions_to_other_roles(client, session, clock, role):
    borrower = make_borrower(session)
    park(client, clock, "LN-NOBODY", 1000, "pi_refused")
    target = row(session, "pi_refused")
    login(client, make_officer(session, role))

    assert client.get(PAGE).status_code == 403
    match = client.post(
        f"{PAGE}/{target.id}/match", data={"loan_number": borrower.loans[0].loan_number}
    )
    refund = client.post(f"{PAGE}/{target.id}/refund", data={"note": "refunded"})

    assert (match.status_code, refund.status_code) == (403, 403)
    assert row(session, "pi_refused").status == "review"
    assert session.scalars(select(Payment)).all() == []


def test_it_requires_the_csrf_token_on_both_decisions(app, client, session, clock):
    borrower = make_borrower(session)
    park(client, clock, "LN-NOBODY", 1000, "pi_csrf")
    target = row(session, "pi_csrf")
    login(client, make_officer(session, "supervisor"))
    app.config["WTF_CSRF_ENABLED"] = True

    match = client.post(
        f"{PAGE}/{target.id}/match", data={"loan_number": borrower.loans[0].loan_number}
    )
    refund = client.post(f"{PAGE}/{target.id}/refund", data={"note": "refunded"})
    assert (match.status_code, refund.status_code) == (400, 400)
    assert row(session, "pi_csrf").status == "review"

    token = CSRF.search(client.get(PAGE).get_data(as_text=True)).group(1)
    done = client.post(
        f"{PAGE}/{target.id}/match",
        data={"loan_number": borrower.loans[0].loan_number, "csrf_token": token},
        follow_redirects=True,
    )
    assert done.status_code == 200
    assert row(session, "pi_csrf").status == "applied"


def test_it_matches_a_payment_once_and_tells_a_second_click(client, session, clock):
    borrower = make_borrower(session)
    park(client, clock, "LN-TYPO", 42000, "pi_match")
    target = row(session, "pi_match")
    supervisor = make_officer(session, "supervisor")
    login(client, supervisor)

    first = client.post(
        f"{PAGE}/{target.id}/match",
        data={"loan_number": borrower.loans[0].loan_number},
        follow_redirects=True,
    ).get_data(as_text=True)
    second = client.post(
        f"{PAGE}/{target.id}/match",
        data={"loan_number": borrower.loans[0].loan_number},
        follow_redirects=True,
    ).get_data(as_text=True)

    assert f"Payment #{target.id} matched and applied" in first
    assert "pi_match" not in first[first.index('id="parked-payments"') :]  # left the queue
    assert "This payment was already resolved; nothing was changed." in second
    assert len(session.scalars(select(Payment)).all()) == 1
    events = session.scalars(
        select(AuditEvent.action).where(AuditEvent.actor == f"officer:{supervisor.id}")
    ).all()
    assert events.count("payment.matched") == 1 and events.count("payment.received") == 1


def test_it_says_why_a_match_is_refused(client, session, clock):
    borrower = make_borrower(session)
    park(client, clock, "LN-ELSEWHERE", 1000, "pi_gbp", "gbp")
    target = row(session, "pi_gbp")
    login(client, make_officer(session, "supervisor"))

    wrong_currency = client.post(
        f"{PAGE}/{target.id}/match",
        data={"loan_number": borrower.loans[0].loan_number},
        follow_redirects=True,
    ).get_data(as_text=True)
    unknown = client.post(
        f"{PAGE}/{target.id}/match", data={"loan_number": "LN-NO-SUCH"}, follow_redirects=True
    ).get_data(as_text=True)

    assert "loan_number: that loan is in USD and this payment is in GBP" in wrong_currency
    assert "loan_number: no loan has that number." in unknown
    assert row(session, "pi_gbp").status == "review"


def test_it_marks_a_payment_refunded_with_a_note(client, session, clock):
    park(client, clock, "LN-NOBODY", 1000, "pi_refund")
    target = row(session, "pi_refund")
    admin = make_officer(session, "admin")
    login(client, admin)

    no_note = client.post(
        f"{PAGE}/{target.id}/refund", data={"note": " "}, follow_redirects=True
    ).get_data(as_text=True)
    assert "note: say how and when the money went back" in no_note
    assert row(session, "pi_refund").status == "review"

    done = client.post(
        f"{PAGE}/{target.id}/refund",
        data={"note": "Refunded from the Stripe dashboard"},
        follow_redirects=True,
    ).get_data(as_text=True)

    assert f"Payment #{target.id} marked refunded; it will not be applied." in done
    refunded = row(session, "pi_refund")
    assert (refunded.status, refunded.resolved_by_id, refunded.payment_id) == (
        "refunded",
        admin.id,
        None,
    )
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "payment.refunded")).one()
    assert event.actor == f"officer:{admin.id}"
    assert event.details["note"] == "Refunded from the Stripe dashboard"
