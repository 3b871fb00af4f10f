"""Casework on a case: notes, flags, promises to pay, payment plans (with supervisor approval
outside policy limits). Each action is audited and names the field when the input is wrong.

Only the officer holding the case works on it; a supervisor may, audited (``case_access``,
security finding 4: any officer could clear another's cease_and_desist or add to a closed case).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import flash, redirect, request, url_for

from outreach import events
from outreach.arrangements import agreements
from outreach.arrangements import limits as plans
from outreach.audit import log as audit
from outreach.models import BorrowerFlag, CaseNote, HandoffCase, Loan, PlanApproval
from outreach.web import db, params, request_now
from outreach.web.auth import current_officer, require_role
from outreach.web.console import data as console_data
from outreach.web.console.blueprint import OFFICER_ROLES, bp, load_case
from outreach.web.console.case_access import may_work

MAX_NOTE = 4000


def _back(case: HandoffCase) -> Any:
    return redirect(url_for("console.case_view", case_id=case.id))


def audit_case(officer_id: int, action: str, case: HandoffCase, details: dict[str, Any]) -> None:
    """The audit event for an officer's action on a case (committed with the action)."""
    audit.record(
        db(),
        f"officer:{officer_id}",
        action,
        subject=f"case:{case.id}",
        borrower_id=case.borrower_id,
        details=details,
    )


def case_loan(case: HandoffCase) -> Loan | None:
    loan_id = request.form.get("loan_id", "")
    loan_key = params.to_int(loan_id, minimum=1)  # "²" passed isdigit (finding 20)
    loan = db().get(Loan, loan_key) if loan_key is not None else None
    # Only a loan of this case's borrower: a forged loan_id must not touch another account.
    return loan if loan is not None and loan.borrower_id == case.borrower_id else None


def _day(field: str) -> date:
    day = params.to_date(request.form.get(field, ""))  # bounded: 9999-12-31 overflowed plans
    if day is None:
        raise ValueError(f"{field}: a date like 2026-12-01")
    return day


def _money(field: str, required: bool = True) -> Decimal | None:
    raw = request.form.get(field, "").strip().replace(",", "")
    if not raw and not required:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"{field}: an amount like 120.00") from None
    if not value.is_finite():
        raise ValueError(f"{field}: an amount like 120.00")
    return value


@bp.post("/cases/<int:case_id>/notes")
@require_role(*OFFICER_ROLES)
def add_note(case_id: int) -> Any:
    case, officer = load_case(case_id), current_officer()
    if not may_work(case, officer, "note"):
        return _back(case)
    body = request.form.get("note", "").strip()
    if not body or len(body) > MAX_NOTE:
        flash(f"note: write between 1 and {MAX_NOTE} characters.")
        return _back(case)
    note = CaseNote(case_id=case.id, borrower_id=case.borrower_id, officer_id=officer.id, body=body)
    db().add(note)
    db().flush()
    audit_case(officer.id, "case.note_added", case, {"note_id": note.id})
    db().commit()
    return _back(case)


@bp.post("/cases/<int:case_id>/flags")
@require_role(*OFFICER_ROLES)
def set_flag(case_id: int) -> Any:
    case, officer = load_case(case_id), current_officer()
    if not may_work(case, officer, "flag"):
        return _back(case)
    flag, action = request.form.get("flag", ""), request.form.get("action", "set")
    reason = request.form.get("reason", "").strip()[:500] or None
    if case.borrower is None:
        flash("flag: this conversation is not tied to a borrower yet.")
    elif flag not in console_data.CONSOLE_FLAGS or action not in ("set", "clear"):
        flash(f"flag: one of {', '.join(console_data.CONSOLE_FLAGS)}.")
    elif action == "set" and flag not in case.borrower.active_flags():
        db().add(BorrowerFlag(borrower_id=case.borrower.id, flag=flag, reason=reason))
        audit_case(officer.id, "flag.set", case, {"flag": flag})
        events.emit_flag_set(db(), case.borrower.id, flag, "officer", request_now())
        db().commit()
        flash(f"Flag {flag} set.")
    elif action == "clear":
        # Clearing keeps the row and stamps cleared_at: the history stays for the auditors.
        for row in case.borrower.flags:
            if row.flag == flag and row.cleared_at is None:
                row.cleared_at = request_now()
        audit_case(officer.id, "flag.cleared", case, {"flag": flag, "reason": reason})
        db().commit()
        flash(f"Flag {flag} cleared.")
    return _back(case)


@bp.post("/cases/<int:case_id>/promise")
@require_role(*OFFICER_ROLES)
def promise(case_id: int) -> Any:
    case, officer = load_case(case_id), current_officer()
    if not may_work(case, officer, "promise"):
        return _back(case)
    loan = case_loan(case)
    if loan is None:
        flash("loan_id: choose one of this borrower's loans.")
        return _back(case)
    try:
        promise = agreements.record_promise(
            db(),
            loan,
            _day("promised_date"),
            _money("amount", required=False),
            created_by=f"officer:{officer.id}",
            conversation_id=case.conversation_id,
            today=loan.borrower.today(request_now()),
        )
    except ValueError as exc:
        db().rollback()
        flash(str(exc))
        return _back(case)
    db().commit()
    flash(f"Promise to pay recorded for {promise.promised_date.isoformat()}.")
    return _back(case)


def _terms() -> plans.PlanTerms:
    count = request.form.get("instalment_count", "")
    if params.to_int(count, maximum=10_000) is None:  # "²" passed isdigit (finding 20)
        raise ValueError("instalment_count: a whole number")
    return plans.PlanTerms(
        instalment_amount=_money("instalment_amount"),
        instalment_count=int(count),
        frequency=request.form.get("frequency", ""),
        start_date=_day("start_date"),
        first_amount=_money("first_amount", required=False),
    )


@bp.post("/cases/<int:case_id>/plan")
@require_role(*OFFICER_ROLES)
def propose_plan(case_id: int) -> Any:
    """Within policy limits the plan is stored at once; outside them a supervisor (or admin)
    may approve it on the spot, an officer's proposal waits for a supervisor's decision."""
    case, officer = load_case(case_id), current_officer()
    if not may_work(case, officer, "plan"):
        return _back(case)
    loan = case_loan(case)
    if loan is None:
        flash("loan_id: choose one of this borrower's loans.")
        return _back(case)
    try:
        terms = _terms()
        today = loan.borrower.today(request_now())
        quote = plans.evaluate_proposal(loan, terms, today)
        if quote.within_policy or officer.role in ("supervisor", "admin"):
            plan = agreements.create_plan(
                db(),
                loan,
                terms,
                created_by=f"officer:{officer.id}",
                conversation_id=case.conversation_id,
                outside_policy=not quote.within_policy,
                approved_by_id=None if quote.within_policy else officer.id,
                today=today,
            )
            db().commit()
            flash(
                f"Plan #{plan.id} recorded: {plan.instalment_count} × "
                f"{plan.instalment_amount} {plan.frequency}."
            )
            return _back(case)
    except ValueError as exc:
        db().rollback()
        flash(str(exc))
        return _back(case)
    approval = PlanApproval(
        case_id=case.id,
        loan_id=loan.id,
        violations=quote.violations,
        terms=_terms_json(terms),
        requested_by_id=officer.id,
    )
    db().add(approval)
    db().flush()
    audit_case(
        officer.id,
        "plan.approval_requested",
        case,
        {"approval_id": approval.id, "violations": quote.violations},
    )
    db().commit()
    flash("Outside policy (" + ", ".join(quote.violations) + "): sent to a supervisor.")
    counter = quote.counter_offer
    if counter is not None:  # what the officer could offer now without an approval
        flash(
            f"Within policy: {counter.instalment_count} × {counter.instalment_amount} "
            f"{counter.frequency} from {counter.start_date.isoformat()}."
        )
    return _back(case)


def _terms_json(terms: plans.PlanTerms) -> dict[str, Any]:
    return {
        "instalment_amount": str(terms.instalment_amount),
        "instalment_count": terms.instalment_count,
        "frequency": terms.frequency,
        "start_date": terms.start_date.isoformat(),
        "first_amount": str(terms.first_amount) if terms.first_amount is not None else None,
    }


@bp.post("/cases/<int:case_id>/plan-approvals/<int:approval_id>")
@require_role("supervisor")
def decide_plan(case_id: int, approval_id: int) -> Any:
    case, supervisor = load_case(case_id), current_officer()
    approval = db().get(PlanApproval, approval_id)
    decision = request.form.get("decision")
    if approval is None or approval.case_id != case.id or approval.status != "pending":
        flash("This proposal is no longer waiting for a decision.")
        return _back(case)
    if decision not in ("approve", "reject"):
        flash("decision: approve or reject.")
        return _back(case)
    approval.status = "approved" if decision == "approve" else "rejected"
    approval.decided_by_id, approval.decided_at = supervisor.id, request_now()
    if decision == "approve":
        t = approval.terms
        terms = plans.PlanTerms(
            Decimal(t["instalment_amount"]),
            int(t["instalment_count"]),
            t["frequency"],
            date.fromisoformat(t["start_date"]),
            Decimal(t["first_amount"]) if t.get("first_amount") else None,
        )
        loan = db().get(Loan, approval.loan_id)
        try:
            plan = agreements.create_plan(
                db(),
                loan,
                terms,
                created_by=f"officer:{approval.requested_by_id}",
                conversation_id=case.conversation_id,
                outside_policy=True,
                approved_by_id=supervisor.id,
                today=loan.borrower.today(request_now()),
            )
        except ValueError as exc:
            db().rollback()
            flash(str(exc))
            return _back(case)
        approval.plan_id = plan.id
    audit_case(
        supervisor.id,
        f"plan.{approval.status}",
        case,
        {"approval_id": approval.id, "plan_id": approval.plan_id},
    )
    db().commit()
    flash(f"Proposal {approval.status}.")
    return _back(case)
