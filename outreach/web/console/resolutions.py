"""Settlements, payment holidays and fee waivers in the console (issue 17).

An officer proposes terms on a case: within the officer tier (a supervisor: the supervisor
tier) they are agreed at once; above it they wait for a supervisor (``requested``, like plans
outside the limits). A request the bot attached to the case is decided here too: an officer
may agree one within the officer tier, a supervisor any within the limits. Every proposal and
decision is audited with the limits in force and their version (``arrangements.resolutions``).
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for

from outreach.arrangements import resolutions as res
from outreach.models import HandoffCase, Resolution
from outreach.web import db, params, request_now
from outreach.web.auth import current_officer, require_role
from outreach.web.console.actions import _money, case_loan
from outreach.web.console.blueprint import OFFICER_ROLES, bp, load_case
from outreach.web.console.case_access import may_work

KINDS = ("settlement", "holiday", "waiver")


def _back(case: HandoffCase) -> Any:
    return redirect(url_for("console.case_view", case_id=case.id))


def _tier(role: str) -> str:
    return "supervisor" if role in ("supervisor", "admin") else "officer"


@bp.post("/cases/<int:case_id>/resolutions")
@require_role(*OFFICER_ROLES)
def propose_resolution(case_id: int) -> Any:
    case, officer = load_case(case_id), current_officer()
    if not may_work(case, officer, "resolution"):
        return _back(case)
    loan, kind = case_loan(case), request.form.get("kind", "")
    if loan is None or kind not in KINDS:
        flash("loan_id and kind: choose a loan and settlement, holiday or waiver.")
        return _back(case)
    tier = _tier(officer.role)
    today = loan.borrower.today(request_now())
    try:
        if kind == "holiday":
            days = params.to_int(request.form.get("days", ""), minimum=1, maximum=366)
            if days is None:
                raise ValueError("days: a whole number of days from 1 to 366")
            quote = res.quote_holiday(db(), loan, days, today, tier)
        elif kind == "settlement":
            quote = res.quote_settlement(loan, _money("amount"), today, tier)
        else:
            quote = res.quote_waiver(loan, _money("amount"), tier)
        if quote.tier is None:
            raise ValueError(
                f"{kind}: outside the limits ({quote.limits.version}); nobody may agree it"
            )
        within = quote.counter is None
        row = res.record(
            db(),
            loan,
            quote,
            status="accepted" if within else "requested",
            requested_by=f"officer:{officer.id}",
            decided_by=f"{tier}:{officer.id}" if within else None,
            today=today,
            conversation_id=case.conversation_id,
            case_id=case.id,
        )
    except ValueError as exc:  # NotOffered too: a flagged borrower, no holiday for this loan
        db().rollback()
        flash(str(exc))
        return _back(case)
    db().commit()
    flash(f"{kind.capitalize()} #{row.id} " + ("agreed." if within else f"sent to a {row.tier}."))
    return _back(case)


@bp.post("/cases/<int:case_id>/resolutions/<int:resolution_id>")
@require_role(*OFFICER_ROLES)
def decide_resolution(case_id: int, resolution_id: int) -> Any:
    case, officer = load_case(case_id), current_officer()
    row = db().get(Resolution, resolution_id)
    decision = request.form.get("decision")
    if row is None or row.borrower_id != case.borrower_id or row.status != "requested":
        flash("This request is no longer waiting for a decision.")
        return _back(case)
    if decision not in ("approve", "reject"):
        flash("decision: approve or reject.")
        return _back(case)
    try:
        res.decide(db(), row, officer.id, officer.role, decision == "approve")
    except ValueError as exc:
        db().rollback()
        flash(str(exc))
        return _back(case)
    db().commit()
    flash(f"{row.kind.capitalize()} #{row.id} {row.status}.")
    return _back(case)
