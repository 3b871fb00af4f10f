"""The card page behind the borrower's payment link when Stripe is their provider.

``/pay/<token>`` (``outreach.web.payments.link``) shows the loan (masked), the arrears and an
amount (partial down to the configured minimum); its button (a POST with the CSRF token) comes
here, to ``checkout``: a fresh Checkout Session, because a link is opened days after it was sent
and a session expires, and the borrower goes on to Stripe's page. Stripe's callback, not the
return to our success page, is what applies the payment: the success page says the payment is
being confirmed and believes nothing in its URL. The success and cancel pages answer 404 while
Stripe is not configured, and for an altered or expired link. English or Spanish.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from flask import abort, redirect, url_for

from outreach.messaging.pay_links import PayLink
from outreach.models import Loan
from outreach.payments.providers import configured
from outreach.payments.receipts import mask
from outreach.payments.stripe_checkout import StripeCheckout, StripeError
from outreach.web import settings
from outreach.web.payments.pages import language
from outreach.web.payments.pay_page import bp, found, invalid, page

log = logging.getLogger(__name__)


def stripe() -> StripeCheckout | None:
    provider = configured(settings()).get("stripe")
    return provider if isinstance(provider, StripeCheckout) else None


def checkout(
    provider: StripeCheckout, token: str, link: PayLink, loan: Loan, amount: Decimal, typed: str
) -> Any:
    """A fresh Checkout Session for ``amount``, and the borrower on to Stripe's page."""
    base = settings().public_base_url
    try:
        session = provider.create_session(
            loan.loan_number,
            amount,
            loan.currency,
            description=f"{settings().lender_name} {mask(loan.loan_number)}",
            success_url=base + url_for("pay.done", token=token),
            cancel_url=base + url_for("pay.cancelled", token=token),
            conversation_id=link.conversation_id,
            locale=language(loan),
        )
    except StripeError as exc:
        log.warning("payments: no Checkout Session for loan %s: %s", loan.id, exc)
        return page("form", loan, 502, method="card", draft=typed[:32], error="provider")
    return redirect(session.url, code=303)


@bp.get("/<token>/done")
def done(token: str) -> Any:
    if stripe() is None:
        abort(404)  # not configured: as if the page did not exist
    hit = found(token)
    return page("processing", hit[1]) if hit else invalid()


@bp.get("/<token>/cancelled")
def cancelled(token: str) -> Any:
    if stripe() is None:
        abort(404)
    hit = found(token)
    if hit is None:
        return invalid()
    return page("cancelled", hit[1], back=url_for("pay.form", token=token))
