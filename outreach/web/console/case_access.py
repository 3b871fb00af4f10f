"""Who may read a handoff case and who may work on it (security findings 4 and 33).

* **Work** (reply, notes, flags, promises, plans): the officer holding the claimed case.
  Supervisors and admins may act on any case, and each such action is audited as
  ``case.supervisor_override`` next to the action's own event, naming the holder at the time.
* **Read** (the case page, its transcript and the borrower panel): the holder, any officer for
  a case still waiting in the queue unclaimed, supervisors and admins. Anyone else first says
  why (``case.access_justified``, audited with the reason); that opens the case to them for
  ``READ_GRANT``. Every page load is audited as ``borrower.viewed`` as before.
"""

from __future__ import annotations

from datetime import timedelta

from flask import flash
from sqlalchemy import select

from outreach.audit import log as audit
from outreach.models import AuditEvent, HandoffCase, Officer
from outreach.web import db, request_now

SUPERVISORS = ("supervisor", "admin")
READ_GRANT = timedelta(minutes=30)  # as long as the idle timeout: one working visit
MAX_REASON = 500


def holds(case: HandoffCase, officer: Officer) -> bool:
    return case.status == "claimed" and case.claimed_by_id == officer.id


def may_work(case: HandoffCase, officer: Officer, action: str) -> bool:
    """True if ``officer`` may do ``action`` on ``case`` now; otherwise flashes why.

    A supervisor acting on a case they do not hold is let through and audited (flushed with
    the action; committed only if the action is)."""
    if holds(case, officer):
        return True
    if officer.role in SUPERVISORS:
        audit.record(
            db(),
            f"officer:{officer.id}",
            "case.supervisor_override",
            subject=f"case:{case.id}",
            borrower_id=case.borrower_id,
            details={"action": action, "holder_id": case.claimed_by_id, "status": case.status},
            at=request_now(),
        )
        return True
    if case.status == "closed":
        flash("This case is closed: ask a supervisor to work on it.")
    elif case.status == "claimed":
        flash("Another officer holds this case: only they (or a supervisor) can work on it.")
    else:
        flash("Claim the case before working on it.")
    return False


def may_read(case: HandoffCase, officer: Officer) -> bool:
    """The holder, anyone for an unclaimed queued case, supervisors; or a recent stated reason."""
    if officer.role in SUPERVISORS or case.status == "open":
        return True
    if case.claimed_by_id == officer.id:  # held now, or held when it was closed
        return True
    return (
        db().scalar(
            select(AuditEvent.id)
            .where(
                AuditEvent.actor == f"officer:{officer.id}",
                AuditEvent.subject == f"case:{case.id}",
                AuditEvent.action == "case.access_justified",
                AuditEvent.at > request_now() - READ_GRANT,
            )
            .limit(1)
        )
        is not None
    )


def justify(case: HandoffCase, officer: Officer, reason: str) -> str | None:
    """Record why ``officer`` opens a case they may not read otherwise; the error if any."""
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        return f"reason: say why you need this case (1 to {MAX_REASON} characters)."
    audit.record(
        db(),
        f"officer:{officer.id}",
        "case.access_justified",
        subject=f"case:{case.id}",
        borrower_id=case.borrower_id,
        details={"reason": reason, "holder_id": case.claimed_by_id, "status": case.status},
        at=request_now(),
    )
    db().commit()
    return None
