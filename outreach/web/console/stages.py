"""The stage queue (issue 18): accounts proposed for pre_legal, the supervisor's four decisions,
each account's stage history and letters, the agency placement CSV, and letters (generate,
download, email).

Supervisors and admins only, for every page and action: sending an account to lawyers or an agency
and writing a final demand are supervisor decisions, and the pages show loan numbers and postal
addresses in full. Every decision and letter is audited by the services it calls.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for

from outreach.audit.log import record
from outreach.letters.content import from_plan, from_promise
from outreach.letters.mail import email_letter
from outreach.letters.service import LetterRefused, create_letter
from outreach.models import Loan, PaymentPlan, PromiseToPay
from outreach.models.stages import LETTER_KINDS, Letter
from outreach.stages import review
from outreach.stages.agency import placements, placements_csv
from outreach.web import channels, db, request_now, settings
from outreach.web.auth import current_officer, require_role
from outreach.web.console.blueprint import bp

STAGE_ROLES = ("supervisor",)  # admin is admitted everywhere by require_role
KIND_TEXT = {
    "notice_of_arrears": "Notice of arrears",
    "final_demand": "Final demand / notice of default",
    "arrangement_confirmation": "Plan or promise confirmation",
}
DECISION_TEXT = {
    "approve": "approved for legal action",
    "place": "placed with an agency",
    "hold": "held",
    "return": "returned to collections",
}


def _actor() -> str:
    return f"officer:{current_officer().id}"


@bp.get("/stages")
@require_role(*STAGE_ROLES)
def stage_queue() -> Any:
    return render_template(
        "console/stages.html", items=review.queue(db()), kinds=KIND_TEXT, now=request_now()
    )


@bp.post("/stages/<int:loan_id>/decide")
@require_role(*STAGE_ROLES)
def stage_decide(loan_id: int) -> Any:
    decision = request.form.get("decision", "")
    try:
        review.decide(
            db(),
            loan_id,
            decision,
            request_now(),
            officer_id=current_officer().id,
            reason=request.form.get("reason", ""),
            agency=request.form.get("agency", ""),
        )
    except review.ReviewRefused as exc:
        db().rollback()
        flash(str(exc))
        return redirect(request.referrer or url_for("console.stage_queue"))
    db().commit()
    loan = db().get(Loan, loan_id)
    flash(f"Account {loan.loan_number} {DECISION_TEXT[decision]}.")
    return redirect(url_for("console.stage_queue"))


@bp.get("/stages/agency.csv")
@require_role(*STAGE_ROLES)
def agency_export() -> Any:
    rows = placements(db(), request.args.get("agency") or None)
    record(db(), _actor(), "stage.agency_export", details={"rows": len(rows)}, at=request_now())
    db().commit()
    return Response(
        placements_csv(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=agency-placements.csv"},
    )


@bp.get("/loans/<int:loan_id>/stage")
@require_role(*STAGE_ROLES)
def loan_stage(loan_id: int) -> Any:
    loan = db().get(Loan, loan_id) or abort(404)
    letters = db().query(Letter).filter(Letter.loan_id == loan_id).order_by(Letter.id.desc()).all()
    return render_template(
        "console/loan_stage.html",
        loan=loan,
        stage=review.stage_of(db(), loan_id),
        moves=review.history(db(), loan_id),
        letters=letters,
        kinds=KIND_TEXT,
    )


def _arrangement(loan: Loan) -> Any:
    plan = (
        db()
        .query(PaymentPlan)
        .filter(PaymentPlan.loan_id == loan.id, PaymentPlan.status.in_(("accepted", "current")))
        .order_by(PaymentPlan.id.desc())
        .first()
    )
    if plan is not None:
        return from_plan(plan, loan.currency)
    promise = (
        db()
        .query(PromiseToPay)
        .filter(PromiseToPay.loan_id == loan.id, PromiseToPay.status == "open")
        .order_by(PromiseToPay.id.desc())
        .first()
    )
    return from_promise(promise, loan) if promise is not None else None


@bp.post("/loans/<int:loan_id>/letters")
@require_role(*STAGE_ROLES)
def letter_create(loan_id: int) -> Any:
    loan = db().get(Loan, loan_id) or abort(404)
    kind = request.form.get("kind", "")
    back = redirect(url_for("console.loan_stage", loan_id=loan_id))
    if kind not in LETTER_KINDS:
        flash("kind: choose a letter")
        return back
    arrangement = _arrangement(loan) if kind == "arrangement_confirmation" else None
    if kind == "arrangement_confirmation" and arrangement is None:
        flash("This account has no accepted plan or open promise to confirm.")
        return back
    delivery = "print" if request.form.get("delivery") == "print" else "download"
    try:
        letter = create_letter(
            db(),
            settings(),
            loan,
            kind,
            request_now(),
            actor=_actor(),
            delivery=delivery,
            arrangement=arrangement,
        )
    except LetterRefused as exc:
        flash(f"Letter not created: the contact policy blocks it ({', '.join(exc.reasons)}).")
        return back
    db().commit()
    where = "queued for the print batch" if delivery == "print" else "ready to download"
    flash(f"{KIND_TEXT[kind]} #{letter.id} created ({where}); SHA-256 {letter.sha256[:12]}…")
    return back


@bp.get("/letters/<int:letter_id>.pdf")
@require_role(*STAGE_ROLES, "auditor")
def letter_download(letter_id: int) -> Any:
    letter = db().get(Letter, letter_id) or abort(404)
    record(
        db(),
        _actor(),
        "letter.downloaded",
        subject=f"letter:{letter.id}",
        borrower_id=letter.borrower_id,
        details={"letter_id": letter.id},
        at=request_now(),
    )
    db().commit()
    return Response(
        letter.pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f"attachment; filename=letter-{letter.id}-{letter.kind}.pdf",
            "X-Content-SHA256": letter.sha256,
        },
    )


@bp.post("/letters/<int:letter_id>/email")
@require_role(*STAGE_ROLES)
def letter_email(letter_id: int) -> Any:
    letter = db().get(Letter, letter_id) or abort(404)
    try:
        email_letter(db(), settings(), channels(), letter, request_now(), actor=_actor())
    except LetterRefused as exc:
        db().commit()  # a failed send keeps its log row
        when = f"; allowed from {exc.next_allowed_at}" if exc.next_allowed_at else ""
        flash(f"Letter #{letter.id} not emailed: {exc}{when}")
    else:
        db().commit()
        flash(f"Letter #{letter.id} emailed as a PDF attachment.")
    return redirect(url_for("console.loan_stage", loan_id=letter.loan_id))
