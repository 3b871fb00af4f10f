"""Payment claims to verify in the console: roles, CSRF, the borrower's words escaped, a
decision taken once."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from outreach.models import AuditEvent, PaymentClaim
from tests.support.factories import make_borrower
from tests.support.officers import login, make_officer

pytestmark = pytest.mark.usefixtures("clock")
PAGE = "/console/payment-claims"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def claim(session, when="<b>monday</b>", how="bank transfer"):
    borrower = make_borrower(session)
    row = PaymentClaim(
        borrower_id=borrower.id, loan_id=borrower.loans[0].id, paid_when=when, paid_how=how
    )
    session.add(row)
    session.commit()
    return row


def test_it_lists_claims_escaped_and_verifies_one_once(app, client, session):
    row = claim(session)
    login(client, make_officer(session))
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get(PAGE).get_data(as_text=True)
    assert "&lt;b&gt;monday&lt;/b&gt;" in page and "<b>monday</b>" not in page
    assert client.post(f"{PAGE}/{row.id}", data={"verdict": "verify"}).status_code == 400
    token = CSRF.search(page).group(1)
    done = client.post(
        f"{PAGE}/{row.id}", data={"verdict": "verify", "csrf_token": token}, follow_redirects=True
    )
    assert f"Payment claim #{row.id} verified." in done.get_data(as_text=True)
    again = client.post(
        f"{PAGE}/{row.id}", data={"verdict": "reject", "csrf_token": token}, follow_redirects=True
    )
    assert "already verified" in again.get_data(as_text=True)
    session.expire_all()
    assert session.get(PaymentClaim, row.id).status == "verified"
    assert (
        session.scalar(select(AuditEvent.action).where(AuditEvent.action.like("payment_claim.%")))
        == "payment_claim.verified"
    )


def test_it_refuses_the_page_and_the_decision_to_an_auditor(client, session):
    row = claim(session)
    login(client, make_officer(session, "auditor"))
    assert client.get(PAGE).status_code == 403
    assert client.post(f"{PAGE}/{row.id}", data={"verdict": "reject"}).status_code == 403
    session.expire_all()
    assert session.get(PaymentClaim, row.id).status == "pending"
