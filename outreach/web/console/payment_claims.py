"""Payment claims to verify: what borrowers told the bot they paid already ("I already paid"),
with verify / reject. Officers and supervisors; every decision is audited and taken once
(``outreach.selfservice.claims``). The borrower's words are shown escaped (Jinja autoescape)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from outreach.selfservice import claims
from outreach.selfservice.hours import office_zone
from outreach.web import db, request_now
from outreach.web.auth import current_officer, require_role
from outreach.web.console.blueprint import bp

CLAIM_ROLES = ("officer", "supervisor")  # admin is admitted everywhere by require_role


@bp.get("/payment-claims")
@require_role(*CLAIM_ROLES)
def payment_claims() -> Any:
    zone = office_zone()
    rows = [
        {"claim": c, "received": c.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")}
        for c in claims.claims_to_verify(db())
    ]
    return render_template("console/payment_claims.html", rows=rows, zone=zone.key)


@bp.post("/payment-claims/<int:claim_id>")
@require_role(*CLAIM_ROLES)
def decide_payment_claim(claim_id: int) -> Any:
    officer = current_officer()
    try:
        claim = claims.decide_claim(
            db(), claim_id, request.form.get("verdict", ""), officer.id, request_now()
        )
    except claims.ClaimRefused as exc:
        db().rollback()
        flash(str(exc))
    else:
        flash(f"Payment claim #{claim.id} {claim.status}.")
    return redirect(url_for("console.payment_claims"))
