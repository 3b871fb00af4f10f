"""Releasing an identity-check lock-out from the case view (finding 1).

The borrower panel shows "Identity check locked until HH:MM (zone)" while too many failed checks
keep the borrower (or a loan number typed for them) locked; the officer holding the case, or a
supervisor, can open the check again once they know who they are talking to. Audited
(``identity.lock_released``); the time-based release needs nobody.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for

from outreach.selfservice import locks as identity_locks
from outreach.web import db, request_now
from outreach.web.auth import current_officer, require_role
from outreach.web.console.blueprint import OFFICER_ROLES, bp, load_case


@bp.post("/cases/<int:case_id>/identity-release")
@require_role(*OFFICER_ROLES)
def release_identity(case_id: int) -> Any:
    case, officer = load_case(case_id), current_officer()
    back = redirect(url_for("console.case_view", case_id=case.id))
    if case.borrower_id is None:
        flash("identity: this conversation is not tied to a borrower.")
        return back
    if case.claimed_by_id != officer.id and officer.role not in ("supervisor", "admin"):
        flash("identity: claim the case first (or ask a supervisor).")
        return back
    released = identity_locks.release(db(), case.borrower_id, officer.id, request_now())
    db().commit()
    flash(
        "Identity check released: the borrower can be checked again."
        if released
        else "identity: the check was not locked."
    )
    return back
