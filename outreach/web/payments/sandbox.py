"""The sandbox payment page of demo mode (``outreach.payments.sandbox``), beside the phones.

``GET /sandbox/pay/<token>`` shows the loan (masked), the arrears and an amount to pay (partial
down to the configured minimum); its button (a POST with the CSRF token) completes the payment
through the same code as a provider callback. The done page shows what was stored, looked up by
the payment's reference, never an amount from its URL. Answers 404 in production or while a
real provider is configured, and for an altered or expired link. Pages in English or Spanish
(the borrower's language, else the browser's).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import select

from outreach.arrangements.resolutions import settlement_due
from outreach.messaging import pay_links
from outreach.messaging.links import make_link
from outreach.models import Loan, ProviderPayment
from outreach.payments import amounts, sandbox
from outreach.payments.receipts import mask
from outreach.web import channels, db, request_now, settings
from outreach.web.payments.pages import language, money

bp = Blueprint("sandbox_pay", __name__, url_prefix="/sandbox/pay")


@bp.before_request
def _demo_only() -> None:
    if not sandbox.offered(settings()):
        abort(404)


def _link(token: str) -> tuple[pay_links.PayLink, Loan] | None:
    link = pay_links.read_token(settings(), token, pay_links.SANDBOX)
    loan = db().get(Loan, link.loan_id) if link is not None else None
    return (link, loan) if link is not None and loan is not None else None


def _refused() -> Any:
    return render_template(
        "sandbox/pay.html", state="invalid", sandbox=True, lang=language(None)
    ), 404


def _page(loan: Loan, *, draft: str | None = None, error: str = "", status: int = 200) -> Any:
    # An accepted settlement's remainder first: paying it settles the account (issue 17).
    due = settlement_due(db(), loan) or amounts.amount_due(loan)
    page = render_template(
        "sandbox/pay.html",
        state="form",
        sandbox=True,
        lang=language(loan),
        lender=settings().lender_name,
        loan_ref=mask(loan.loan_number),
        arrears=money(loan, loan.past_due_amount),
        outstanding=money(loan, loan.outstanding),
        minimum=money(loan, amounts.smallest(loan)),
        draft=draft if draft is not None else f"{due:.2f}",
        currency=loan.currency,
        error=error,
        chat_link=make_link(settings(), loan.borrower_id),  # plans and new dates: the bot
    )
    return page, status


@bp.get("/<token>")
def form(token: str) -> Any:
    found = _link(token)
    return _page(found[1]) if found else _refused()


@bp.post("/<token>")
def pay(token: str) -> Any:
    found = _link(token)
    if found is None:
        return _refused()
    link, loan = found
    typed = request.form.get("amount", "")
    try:
        amount = amounts.checked_amount(loan, typed)
    except amounts.AmountRefused as exc:
        return _page(loan, draft=typed[:32], error=exc.code, status=400)
    reference, _ = sandbox.pay(
        db(), settings(), channels(), loan, amount, request_now(), link.conversation_id
    )
    return redirect(url_for("sandbox_pay.done", token=token, reference=reference))


@bp.get("/<token>/done/<reference>")
def done(token: str, reference: str) -> Any:
    found = _link(token)
    if found is None:
        return _refused()
    loan = found[1]
    row = db().scalar(
        select(ProviderPayment).where(
            ProviderPayment.provider == sandbox.NAME,
            ProviderPayment.reference == reference,
            ProviderPayment.loan_id == loan.id,
        )
    )
    if row is None:
        abort(404)
    page = render_template(
        "sandbox/pay.html",
        state="done",
        sandbox=True,
        lang=language(loan),
        lender=settings().lender_name,
        loan_ref=mask(loan.loan_number),
        paid=money(loan, row.amount),
        outstanding=money(loan, loan.outstanding),
        settled=loan.status == "settled",  # a settlement paid in full (issue 17)
    )
    return page
