"""Sending a payment request from a case: the borrower's payment link on the conversation's
channel, as a reply under the contact policy, audited (``payment.requested``)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for

from outreach.conversations import replies
from outreach.payments.requests import TEMPLATE, payment_link, request_text
from outreach.web import channels, db, request_now, settings
from outreach.web.auth import current_officer, require_role
from outreach.web.console.actions import audit_case, case_loan
from outreach.web.console.blueprint import OFFICER_ROLES, bp, load_case
from outreach.web.console.case_access import may_work


@bp.post("/cases/<int:case_id>/payment-request")
@require_role(*OFFICER_ROLES)
def request_payment(case_id: int) -> Any:
    case, officer = load_case(case_id), current_officer()
    back = redirect(url_for("console.case_view", case_id=case.id))
    if not may_work(case, officer, "payment_request"):
        return back
    loan = case_loan(case)
    if loan is None:
        flash("loan_id: choose one of this borrower's loans.")
        return back
    conv = case.conversation
    link = payment_link(settings(), loan, conv.id)
    if link is None:
        flash("payment: no payment provider is offered in this borrower's country.")
        return back
    body = request_text(settings(), loan.borrower, loan, link, conv.channel)
    msg = replies.send_reply(
        db(),
        settings(),
        channels(),
        conv,
        body,
        sender="officer",
        officer_id=officer.id,
        initiated_by=replies.initiator(db(), conv, request_now()),
    )
    msg.template, msg.loan_id = TEMPLATE, loan.id
    audit_case(officer.id, "payment.requested", case, {"loan_id": loan.id, "status": msg.status})
    db().commit()
    flash(
        "Payment request sent."
        if msg.status != "blocked"
        else "payment: blocked by the contact policy."
    )
    return back
