"""``/pay/<token>``: the borrower's payment link, one for every provider.

Reminders, the console's payment request and the bot carry this one link
(``outreach.messaging.pay_links.pay_url``); what it opens is decided when it is opened, from the
borrower's offer (``outreach.payments.offers.offer_for``: their country's providers, credentials
permitting), because a link is opened days after it was sent and the offer may have changed:

- M-Pesa first: on to ``/pay/mpesa/<token>`` (the STK Push page, same token; in demo mode its
  prompt rings the sandbox phone);
- demo mode (``Offer.sandbox``) otherwise: on to the sandbox payment page (``/sandbox/pay/...``);
- Stripe first: the card page (``outreach.web.payments.card``);
- Razorpay first: the UPI page (``outreach.web.payments.upi``);
- nothing offered: how to pay the lender directly (200: the link is fine, there is simply no
  online payment here), with the way to the chat.

The card and UPI pages show the loan (masked), the arrears and an amount to pay, partial down to
the configured minimum (``outreach.payments.amounts``); their button POSTs here with the CSRF
token and the typed amount, never one from a URL. An altered or expired link: 404.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, request, url_for

from outreach.messaging.pay_links import PayLink
from outreach.models import Loan
from outreach.payments import amounts, sandbox
from outreach.payments.offers import Offer, offer_for
from outreach.selfservice import payment_methods
from outreach.web import settings
from outreach.web.payments import card, upi
from outreach.web.payments.pages import language
from outreach.web.payments.pay_page import bp, found, invalid, page

__all__ = ["bp"]
PAGES = {"stripe": "card", "razorpay": "upi"}  # providers whose page is ours


def _offer(loan: Loan) -> Offer:
    return offer_for(settings(), loan.borrower.country)


def _elsewhere(token: str, link: PayLink, offer: Offer) -> Any | None:
    """A redirect when the offer is paid on another page (sandbox, M-Pesa), else None."""
    if offer.first == "mpesa":  # in demo mode too: the prompt then rings the sandbox phone
        return redirect(f"{settings().public_base_url}/pay/mpesa/{token}")
    if offer.sandbox and offer.providers:
        return redirect(sandbox.pay_url(settings(), link.loan_id, link.conversation_id))
    return None


def _direct(loan: Loan) -> Any:
    """No online payment for this borrower: how to pay the lender directly."""
    return page("direct", loan, methods=payment_methods(language(loan)))


@bp.get("/<token>")
def form(token: str) -> Any:
    hit = found(token)
    if hit is None:
        return invalid()
    link, loan = hit
    offer = _offer(loan)
    away = _elsewhere(token, link, offer)
    if away is not None:
        return away
    method = PAGES.get(offer.first or "")
    return page("form", loan, method=method) if method else _direct(loan)


@bp.post("/<token>")
def start(token: str) -> Any:
    hit = found(token)
    if hit is None:
        return invalid()
    link, loan = hit
    offer = _offer(loan)
    stripe = card.stripe() if offer.first == "stripe" and not offer.sandbox else None
    razorpay = upi.razorpay() if offer.first == "razorpay" and not offer.sandbox else None
    if stripe is None and razorpay is None:
        return redirect(url_for("pay.form", token=token), code=303)  # the offer's own page
    method = "card" if stripe else "upi"
    typed = request.form.get("amount", "")
    try:
        amount = amounts.checked_amount(loan, typed)
    except amounts.AmountRefused as exc:
        return page("form", loan, 400, method=method, draft=typed[:32], error=exc.code)
    if stripe is not None:
        return card.checkout(stripe, token, link, loan, amount, typed)
    assert razorpay is not None
    return upi.start(razorpay, token, link, loan, amount, typed)
