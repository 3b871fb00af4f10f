"""What the pages behind the borrower's payment link (``/pay/<token>``) share: the blueprint,
reading the link, and rendering the page (``sandbox/pay.html``, English or Spanish).

A button's POST is answered by a redirect to the provider's own page (Stripe Checkout, a
Razorpay short link that goes on to razorpay.com): browsers apply ``form-action`` to those
redirects, so the providers' origins are allowed there, and nowhere else.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template

from outreach.arrangements.resolutions import settlement_due
from outreach.messaging import pay_links
from outreach.messaging.links import make_link
from outreach.models import Loan
from outreach.payments import amounts
from outreach.payments.receipts import mask
from outreach.web import db, settings
from outreach.web.payments.pages import language, money
from outreach.web.security_headers import CSP

bp = Blueprint("pay", __name__, url_prefix="/pay")
PROVIDER_ORIGINS = (
    "https://checkout.stripe.com",
    "https://rzp.io",
    "https://razorpay.com",
    "https://*.razorpay.com",
)
PAGE_CSP = CSP.replace("form-action 'self'", "form-action 'self' " + " ".join(PROVIDER_ORIGINS))


@bp.after_request
def _csp(resp: Response) -> Response:
    resp.headers["Content-Security-Policy"] = PAGE_CSP
    return resp


def found(token: str) -> tuple[pay_links.PayLink, Loan] | None:
    """The link and loan a valid token names, else None (altered, expired, no such loan)."""
    link = pay_links.read_token(settings(), token)
    loan = db().get(Loan, link.loan_id) if link is not None else None
    return (link, loan) if link is not None and loan is not None else None


def page(state: str, loan: Loan | None, status: int = 200, **extra: Any) -> Any:
    """The payment page in ``state`` for ``loan`` (none: the invalid-link page)."""
    values: dict[str, Any] = {"lender": settings().lender_name, "sandbox": False}
    if loan is not None:
        values.update(
            loan_ref=mask(loan.loan_number),
            arrears=money(loan, loan.past_due_amount),
            outstanding=money(loan, loan.outstanding),
            minimum=money(loan, amounts.smallest(loan)),
            currency=loan.currency,
            draft=f"{settlement_due(db(), loan) or amounts.amount_due(loan):.2f}",
            error="",
            # The way to the bot (plans, a new date) when paying now is not possible: the
            # reminder's SMS carries only this page's link (templates/messages/*/sms.*).
            chat_link=make_link(settings(), loan.borrower_id),
        )
    values.update(extra)
    return render_template("sandbox/pay.html", state=state, lang=language(loan), **values), status


def invalid() -> Any:
    return page("invalid", None, 404)
