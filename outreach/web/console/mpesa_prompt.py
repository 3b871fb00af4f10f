"""Prompting an M-Pesa payment from a case: the STK Push to the borrower's phone.

Shown on a case whose borrower is offered M-Pesa (a KES loan), to whoever may work on the case
(the holder; a supervisor, audited as an override by ``case_access.may_work``). The phone is
prefilled from the file and the amount with the arrears, both confirmed with the borrower first:
the prompt appears on their phone at once. It goes through ``start_stk_push`` (the same checks
as the bot: M-Pesa offered, a Kenyan mobile, whole shillings within what is owed, the per-loan
rate limit), with ``started_by`` the officer, and is audited on the case
(``payment.stk_requested``) as well as by the prompt itself (``payment.stk_started``).
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from flask import flash, redirect, request, url_for

from outreach.models import HandoffCase
from outreach.payments import amounts, stk
from outreach.web import db, request_now, settings
from outreach.web.auth import current_officer, require_role
from outreach.web.console.actions import audit_case, case_loan
from outreach.web.console.blueprint import OFFICER_ROLES, bp, load_case
from outreach.web.console.case_access import may_work

REFUSED = {
    "not_offered": "mpesa: M-Pesa is not offered for this borrower's loan.",
    "bad_phone": "phone: a Kenyan mobile number, like +254712345678.",
    "amount": "amount: whole shillings, from the minimum payment up to what is owed.",
    "too_many": "mpesa: this loan already had several prompts in the last hour; try later.",
    "provider_down": "mpesa: M-Pesa (Daraja) is not answering; nothing was sent. Try later.",
}


def mpesa_form(case: HandoffCase) -> dict[str, Any] | None:
    """The form's defaults when the case's borrower is offered M-Pesa on a KES loan, else None."""
    borrower = case.borrower
    if borrower is None:
        return None
    loan = next((ln for ln in borrower.loans if stk.mpesa_offered(settings(), ln)), None)
    if loan is None:
        return None
    due = amounts.amount_due(loan).to_integral_value(rounding=ROUND_FLOOR)
    return {"loan_id": loan.id, "phone": stk.phone_on_file(borrower) or "", "amount": str(due)}


@bp.post("/cases/<int:case_id>/mpesa-prompt")
@require_role(*OFFICER_ROLES)
def prompt_mpesa(case_id: int) -> Any:
    case, officer = load_case(case_id), current_officer()
    back = redirect(url_for("console.case_view", case_id=case.id))
    if not may_work(case, officer, "mpesa_prompt"):
        return back
    loan = case_loan(case)
    if loan is None:
        flash("loan_id: choose one of this borrower's loans.")
        return back
    try:
        amount = Decimal(request.form.get("amount", "").strip().replace(",", ""))
    except InvalidOperation:
        flash(REFUSED["amount"])
        return back
    try:
        req = stk.start_stk_push(
            db(),
            settings(),
            loan,
            request.form.get("phone", "")[:32],
            amount,
            request_now(),
            conversation_id=case.conversation_id,
            started_by=f"officer:{officer.id}",
        )
    except stk.StkRefused as exc:
        flash(REFUSED.get(exc.code, "mpesa: the prompt was not sent."))
        return back
    audit_case(
        officer.id,
        "payment.stk_requested",
        case,
        {"loan_id": loan.id, "stk_request_id": req.id, "phone": stk.mask_phone(req.phone)},
    )
    db().commit()
    flash(f"M-Pesa prompt sent to {stk.mask_phone(req.phone)} for KES {req.amount:,.0f}.")
    return back
