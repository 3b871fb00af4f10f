"""The review queue of parked payments: list them, match one to a loan, or mark it refunded.

Supervisors and admins only, for the page and both actions: putting money on an account (or
declaring it sent back) is the same kind of decision as approving a plan outside policy, and the
page shows loan numbers in full (a supervisor needs them to find the right loan), where an
officer's case panel masks them. Each decision is audited (``payment.matched``,
``payment.refunded``) and taken once (``outreach.payments.parked``).
"""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for

from outreach.payments import parked
from outreach.selfservice.hours import office_zone
from outreach.web import channels, db, request_now, settings
from outreach.web.auth import current_officer, require_role
from outreach.web.console.blueprint import bp

REVIEW_ROLES = ("supervisor",)  # admin is admitted everywhere by require_role
# What each review_reason means, in the words a supervisor reads.
REASON_TEXT = {
    "unknown_loan": "No loan has the number the payment named.",
    "ambiguous_loan": "The account reference matches more than one loan.",
    "no_loan_number": "The payment named no loan number.",
    "currency": "Paid in another currency than the loan's.",
}


def reason_text(reason: str | None) -> str:
    return REASON_TEXT.get(reason or "", reason or "Unknown reason.")


@bp.app_context_processor
def _review_badge() -> dict[str, Any]:
    def payments_to_review() -> int | None:
        # Counted only for the roles that see the link, and only when a page draws the header.
        officer = g.get("officer")
        if officer is None or officer.role not in (*REVIEW_ROLES, "admin"):
            return None
        return parked.waiting_count(db())

    return {"payments_to_review": payments_to_review}


@bp.get("/payments/review")
@require_role(*REVIEW_ROLES)
def payment_review() -> Any:
    zone = office_zone()
    rows = [
        {
            "row": row,
            "reason": reason_text(row.review_reason),
            "received": row.received_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        }
        for row in parked.waiting(db())
    ]
    return render_template("console/payment_review.html", rows=rows, zone=zone.key)


def _back() -> Any:
    return redirect(url_for("console.payment_review"))


@bp.post("/payments/review/<int:row_id>/match")
@require_role(*REVIEW_ROLES)
def match_payment(row_id: int) -> Any:
    officer = current_officer()
    try:
        done = parked.match(
            db(),
            row_id,
            request.form.get("loan_number", ""),
            request_now(),
            officer_id=officer.id,
            settings=settings(),
            channels=channels(),
        )
    except parked.ResolutionRefused as exc:
        db().rollback()
        flash(str(exc))
        return _back()
    cancelled = len(done.reminders_cancelled)
    flash(
        f"Payment #{done.row_id} matched and applied"
        + (
            f"; {cancelled} reminder{'' if cancelled == 1 else 's'} cancelled."
            if cancelled
            else "."
        )
    )
    return _back()


@bp.post("/payments/review/<int:row_id>/refund")
@require_role(*REVIEW_ROLES)
def refund_payment(row_id: int) -> Any:
    officer = current_officer()
    try:
        done = parked.refund(
            db(), row_id, request.form.get("note", ""), request_now(), officer_id=officer.id
        )
    except parked.ResolutionRefused as exc:
        db().rollback()
        flash(str(exc))
        return _back()
    flash(f"Payment #{done.row_id} marked refunded; it will not be applied.")
    return _back()
