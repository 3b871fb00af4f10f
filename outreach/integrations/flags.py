"""Account flags the lender's system sets and clears, with the source it names.

The blocking flags stop every lender-initiated contact while active (the contact policy
reads ``Borrower.active_flags``). The API names them as the issue does (``dispute``,
``attorney``, ...); the policy's own names (``dispute_open``, ``attorney_represented``) are
accepted too. Setting an active flag again changes nothing; clearing stamps ``cleared_at`` and
``cleared_source`` on the active row: nothing is deleted. Both are audited with the API key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach import events
from outreach.audit import log as audit
from outreach.integrations.problems import CONTROL
from outreach.models import Borrower, BorrowerFlag

# API name -> the flag as the policy engine and the console know it.
API_FLAGS = {
    "dispute": "dispute_open",
    "cease_and_desist": "cease_and_desist",
    "attorney": "attorney_represented",
    "bankruptcy": "bankruptcy",
    "deceased": "deceased",
    # A formal debt moratorium (England and Wales Debt Respite Scheme: 60-day breathing space
    # or mental health crisis moratorium); the lender clears it when the moratorium ends.
    "breathing_space": "breathing_space",
}
ALIASES = {policy: api for api, policy in API_FLAGS.items()}
ACCEPTED = (*API_FLAGS, *(p for p in ALIASES if p not in API_FLAGS))


def canonical(flag: str) -> str:
    """The API's name for ``flag`` (either spelling)."""
    return ALIASES.get(flag, flag)


def find_borrower(session: Session, external_id: str) -> Borrower | None:
    """The borrower with the lender's ``external_id``; None for a value no borrower can have
    (never sent to the database: PostgreSQL refuses NUL in text)."""
    if not external_id or len(external_id) > 64 or CONTROL.search(external_id):
        return None
    return session.scalar(select(Borrower).where(Borrower.external_id == external_id))


def flag_states(borrower: Borrower) -> list[dict[str, Any]]:
    """Every flag row of the borrower's, oldest first, named the API's way."""
    rows = sorted(borrower.flags, key=lambda f: (f.set_at, f.id))
    return [
        {
            "flag": canonical(f.flag),
            "active": f.cleared_at is None,
            "source": f.source,
            "reason": f.reason,
            "set_at": f.set_at,
            "cleared_at": f.cleared_at,
            "cleared_source": f.cleared_source,
        }
        for f in rows
        if canonical(f.flag) in API_FLAGS
    ]


def set_flag(
    session: Session,
    borrower: Borrower,
    flag: str,
    *,
    source: str,
    reason: str | None,
    now: datetime,
    actor: str,
) -> bool:
    """Set ``flag`` (either spelling); False when it was active already. Commits."""
    stored = API_FLAGS[canonical(flag)]
    if any(f.flag == stored and f.cleared_at is None for f in borrower.flags):
        return False
    row = BorrowerFlag(
        borrower_id=borrower.id, flag=stored, reason=reason, source=source, set_at=now
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "flag.set",
        subject=f"flag:{row.id}",
        borrower_id=borrower.id,
        details={"flag": stored, "source": source},
        at=now,
    )
    events.emit_flag_set(session, borrower.id, stored, "api", now)  # e.g. dispute.opened
    session.commit()
    session.refresh(borrower)
    return True


def clear_flag(
    session: Session,
    borrower: Borrower,
    flag: str,
    *,
    source: str,
    reason: str | None,
    now: datetime,
    actor: str,
) -> bool:
    """Clear ``flag``; False when it was not active. Commits."""
    stored = API_FLAGS[canonical(flag)]
    active = [f for f in borrower.flags if f.flag == stored and f.cleared_at is None]
    for row in active:
        row.cleared_at, row.cleared_source = now, source
        audit.record(
            session,
            actor,
            "flag.cleared",
            subject=f"flag:{row.id}",
            borrower_id=borrower.id,
            details={"flag": stored, "source": source, "reason": reason},
            at=now,
        )
    session.commit()
    return bool(active)
