"""The borrower's M-Pesa page: confirm the amount, get the STK prompt on the phone on file.

``GET /pay/mpesa/<token>`` (the card link's token: ``outreach.messaging.pay_links``, salt
``CARD``) shows the loan (masked), what is owed, the phone on file (masked) and an amount in
whole shillings (the arrears by default). Its button (a POST with the CSRF token) starts the
STK Push to that phone (``outreach.payments.stk.start_stk_push``): never to a number typed on the
page, so a link that leaks cannot prompt someone else. Then ``/sent`` says to check the phone and
enter the M-Pesa PIN, with the paybill instructions as the fallback. Nothing here believes an
amount from the URL. 404 for an altered or expired link, or a loan M-Pesa is not offered for.
English or Spanish (the borrower's language, else the browser's).
"""

from __future__ import annotations

import logging
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from outreach.messaging import pay_links
from outreach.models import Loan
from outreach.payments import amounts, stk
from outreach.payments.offers import offer_for
from outreach.payments.receipts import mask
from outreach.web import db, request_now, settings
from outreach.web.payments.pages import language, money

bp = Blueprint("mpesa_pay", __name__, url_prefix="/pay/mpesa")
log = logging.getLogger(__name__)
# Why a prompt was not sent -> the page's status code.
REFUSAL_STATUS = {"amount": 400, "bad_phone": 400, "too_many": 429, "provider_down": 502}


def _found(token: str) -> tuple[pay_links.PayLink, Loan] | None:
    link = pay_links.read_token(settings(), token, pay_links.PAY)
    loan = db().get(Loan, link.loan_id) if link is not None else None
    if link is None or loan is None or not stk.mpesa_offered(settings(), loan):
        return None
    return link, loan


def _invalid() -> Any:
    return render_template("payments/mpesa.html", state="invalid", lang=language(None)), 404


def _page(state: str, loan: Loan, *, status: int = 200, **extra: Any) -> Any:
    due = amounts.amount_due(loan).to_integral_value(rounding=ROUND_FLOOR)
    values: dict[str, Any] = {
        "lender": settings().lender_name,
        "loan_ref": mask(loan.loan_number),
        "arrears": money(loan, loan.past_due_amount),
        "outstanding": money(loan, loan.outstanding),
        "minimum": money(loan, amounts.smallest(loan)),
        "phone": stk.masked_phone_on_file(loan.borrower),
        "paybill": stk.paybill(settings()),
        "account": loan.loan_number,
        "draft": str(due),
        "error": "",
        "sandbox": offer_for(settings(), loan.borrower.country).sandbox,
    }
    values.update(extra)
    html = render_template("payments/mpesa.html", state=state, lang=language(loan), **values)
    return html, status


@bp.get("/<token>")
def form(token: str) -> Any:
    found = _found(token)
    return _page("form", found[1]) if found else _invalid()


@bp.post("/<token>")
def prompt(token: str) -> Any:
    found = _found(token)
    if found is None:
        return _invalid()
    link, loan = found
    typed = request.form.get("amount", "")[:32]
    phone = stk.phone_on_file(loan.borrower)
    if phone is None:
        return _page("form", loan, status=400, draft=typed, error="bad_phone")
    try:
        amount = Decimal(typed.strip().replace(",", ""))
    except InvalidOperation:
        return _page("form", loan, status=400, draft=typed, error="amount")
    try:
        stk.start_stk_push(
            db(),
            settings(),
            loan,
            phone,
            amount,
            request_now(),
            conversation_id=link.conversation_id,
            started_by=f"borrower:{loan.borrower_id}",
        )
    except stk.StkRefused as exc:
        if exc.code == "not_offered":
            return _invalid()
        return _page(
            "form", loan, status=REFUSAL_STATUS.get(exc.code, 400), draft=typed, error=exc.code
        )
    return redirect(url_for("mpesa_pay.sent", token=token), code=303)


@bp.get("/<token>/sent")
def sent(token: str) -> Any:
    found = _found(token)
    return _page("sent", found[1]) if found else _invalid()
