"""The UPI page behind the borrower's payment link when Razorpay is their provider.

``/pay/<token>`` (``outreach.web.payments.link``) shows the loan (masked), the arrears and an
amount (partial down to the configured minimum); its button (a POST with the CSRF token) comes
here, to ``start``: a fresh Razorpay Payment Link for the typed amount, made at the click (a
reminder is opened days after it was sent; the link lives half an hour), and the borrower goes
on to its ``short_url``. Razorpay's ``payment_link.paid`` webhook is what applies the payment:
the thank-you page Razorpay sends the borrower back to (``/pay/<token>/upi/done``) believes
nothing in its URL. It shows the payment only once the webhook has stored it for this loan,
else says the payment is being confirmed. English or Spanish.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from flask import abort, redirect, request, url_for
from sqlalchemy import select

from outreach.messaging.pay_links import PayLink
from outreach.models import Loan, ProviderPayment
from outreach.payments.base import MAX_REFERENCE
from outreach.payments.providers import configured
from outreach.payments.razorpay_links import RazorpayError, RazorpayLinks
from outreach.payments.receipts import mask
from outreach.web import db, request_now, settings
from outreach.web.payments.pages import money
from outreach.web.payments.pay_page import bp, found, invalid, page

log = logging.getLogger(__name__)
PHONE_CHANNELS = ("sms", "whatsapp")


def razorpay() -> RazorpayLinks | None:
    provider = configured(settings()).get("razorpay")
    return provider if isinstance(provider, RazorpayLinks) else None


def _contact(loan: Loan) -> str | None:
    """The borrower's phone (E.164) for the link's ``customer.contact``, when we have one."""
    points = [p for p in loan.borrower.contact_points if p.channel in PHONE_CHANNELS and p.usable]
    return points[0].address if points else None


def start(
    provider: RazorpayLinks, token: str, link: PayLink, loan: Loan, amount: Decimal, typed: str
) -> Any:
    """A fresh Payment Link for ``amount``, and the borrower on to Razorpay's page."""
    try:
        made = provider.create_link(
            loan.loan_number,
            amount,
            loan.currency,
            now=request_now(),
            description=f"{settings().lender_name} {mask(loan.loan_number)}",
            callback_url=settings().public_base_url + url_for("pay.upi_done", token=token),
            contact=_contact(loan),
            conversation_id=link.conversation_id,
        )
    except RazorpayError as exc:
        log.warning("payments: no Razorpay link for loan %s: %s", loan.id, exc)
        return page("form", loan, 502, method="upi", draft=typed[:32], error="provider")
    return redirect(made.short_url, code=303)


def _stored(loan: Loan, payment_id: str) -> ProviderPayment | None:
    """The payment Razorpay's webhook stored under ``payment_id`` for this loan, if any."""
    if not payment_id or len(payment_id) > MAX_REFERENCE:
        return None
    return db().scalar(
        select(ProviderPayment).where(
            ProviderPayment.provider == "razorpay",
            ProviderPayment.reference == payment_id,
            ProviderPayment.loan_id == loan.id,
            ProviderPayment.status == "applied",
        )
    )


@bp.get("/<token>/upi/done")
def upi_done(token: str) -> Any:
    if razorpay() is None:
        abort(404)  # not configured: as if the page did not exist
    hit = found(token)
    if hit is None:
        return invalid()
    loan = hit[1]
    # razorpay_payment_id only says where to look: what the page shows is what the verified
    # webhook stored for this loan (status, amount and signature in the URL are not read).
    row = _stored(loan, request.args.get("razorpay_payment_id", ""))
    if row is None:
        return page("processing", loan)
    return page("done", loan, paid=money(loan, row.amount))
