"""The card payment page a message's link opens (Stripe Checkout).

``GET /pay/<token>`` shows the loan (masked), the arrears and an amount (partial down to the
configured minimum); its button (a POST with the CSRF token) creates a fresh Checkout Session,
because a link is opened days after it was sent and a session expires, and sends the borrower
to Stripe's page. Stripe's callback, not the return to our success page, is what applies the
payment: the success page says the payment is being confirmed and believes nothing in its URL.
404 while Stripe is not configured, and for an altered or expired link. English or Spanish.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from outreach.models import Loan
from outreach.payments import amounts, pay_links
from outreach.payments.providers import configured
from outreach.payments.receipts import mask
from outreach.payments.stripe_checkout import StripeCheckout, StripeError
from outreach.web import db, settings
from outreach.web.payments.pages import language, money
from outreach.web.security_headers import CSP

bp = Blueprint("pay", __name__, url_prefix="/pay")
log = logging.getLogger(__name__)
# The button's POST is answered by a redirect to Stripe's page: browsers apply form-action to it.
CHECKOUT_ORIGIN = "https://checkout.stripe.com"
PAGE_CSP = CSP.replace("form-action 'self'", f"form-action 'self' {CHECKOUT_ORIGIN}")


@bp.after_request
def _csp(resp: Response) -> Response:
    resp.headers["Content-Security-Policy"] = PAGE_CSP
    return resp


def _stripe() -> StripeCheckout:
    provider = configured(settings()).get("stripe")
    if not isinstance(provider, StripeCheckout):
        abort(404)  # not configured: as if the page did not exist
    return provider


def _loan(token: str) -> tuple[pay_links.PayLink, Loan] | None:
    link = pay_links.read_token(settings(), token, pay_links.CARD)
    loan = db().get(Loan, link.loan_id) if link is not None else None
    return (link, loan) if link is not None and loan is not None else None


def _page(state: str, loan: Loan | None, status: int = 200, **extra: Any) -> Any:
    values: dict[str, Any] = {"lender": settings().lender_name, "sandbox": False}
    if loan is not None:
        values.update(
            loan_ref=mask(loan.loan_number),
            arrears=money(loan, loan.past_due_amount),
            outstanding=money(loan, loan.outstanding),
            minimum=money(loan, amounts.smallest(loan)),
            currency=loan.currency,
            draft=f"{amounts.amount_due(loan):.2f}",
            error="",
        )
    values.update(extra)
    page = render_template("sandbox/pay.html", state=state, lang=language(loan), **values)
    return page, status


@bp.get("/<token>")
def form(token: str) -> Any:
    _stripe()
    found = _loan(token)
    return _page("form", found[1]) if found else _page("invalid", None, 404)


@bp.post("/<token>")
def checkout(token: str) -> Any:
    stripe = _stripe()
    found = _loan(token)
    if found is None:
        return _page("invalid", None, 404)
    link, loan = found
    typed = request.form.get("amount", "")
    try:
        amount = amounts.checked_amount(loan, typed)
    except amounts.AmountRefused as exc:
        return _page("form", loan, 400, draft=typed[:32], error=exc.code)
    base = settings().public_base_url
    lang = language(loan)
    try:
        session = stripe.create_session(
            loan.loan_number,
            amount,
            loan.currency,
            description=f"{settings().lender_name} {mask(loan.loan_number)}",
            success_url=base + url_for("pay.done", token=token),
            cancel_url=base + url_for("pay.cancelled", token=token),
            conversation_id=link.conversation_id,
            locale=lang,
        )
    except StripeError as exc:
        log.warning("payments: no Checkout Session for loan %s: %s", loan.id, exc)
        return _page("form", loan, 502, draft=typed[:32], error="provider")
    return redirect(session.url, code=303)


@bp.get("/<token>/done")
def done(token: str) -> Any:
    _stripe()
    found = _loan(token)
    return _page("processing", found[1]) if found else _page("invalid", None, 404)


@bp.get("/<token>/cancelled")
def cancelled(token: str) -> Any:
    _stripe()
    found = _loan(token)
    if found is None:
        return _page("invalid", None, 404)
    return _page("cancelled", found[1], back=url_for("pay.form", token=token))
