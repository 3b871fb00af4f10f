"""Write the loan book's groups and memberships after a chunk's borrowers are stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.models import Borrower
from outreach.models.groups import GroupMember, LoanGroup

_GROUP_FIELDS = ("name", "branch", "meeting_weekday", "meeting_time", "meeting_place")
_MEMBER_FIELDS = ("role", "summary_consent")


def write_groups(
    session: Session,
    valid: list[tuple[int, dict[str, Any]]],
    results: dict[int, tuple[str, str | None]],
) -> None:
    """Create or update each accepted row's group and membership; a row whose group or
    membership changed becomes 'updated'. The last row of a file names the group's meeting."""
    rows = [(n, c) for n, c in valid if c.get("group") and results[n][0] != "error"]
    if not rows:
        return
    ids = {c["group"]["external_id"] for _, c in rows}
    groups = {
        g.external_id: g
        for g in session.scalars(select(LoanGroup).where(LoanGroup.external_id.in_(ids)))
    }
    externals = {c["borrower"]["external_id"] for _, c in rows}
    found = session.execute(
        select(Borrower.external_id, Borrower.id).where(Borrower.external_id.in_(externals))
    )
    borrowers = {external_id: bid for external_id, bid in found}
    for number, clean in rows:
        g = clean["group"]
        changed = False
        group = groups.get(g["external_id"])
        if group is None:
            group = LoanGroup(external_id=g["external_id"], **{k: g[k] for k in _GROUP_FIELDS})
            session.add(group)
            session.flush()
            groups[g["external_id"]] = group
            changed = True
        elif any(getattr(group, k) != g[k] for k in _GROUP_FIELDS):
            for k in _GROUP_FIELDS:
                setattr(group, k, g[k])
            changed = True
        borrower_id = borrowers[clean["borrower"]["external_id"]]
        member = session.scalar(
            select(GroupMember).where(
                GroupMember.group_id == group.id, GroupMember.borrower_id == borrower_id
            )
        )
        if member is None:
            session.add(
                GroupMember(
                    group_id=group.id,
                    borrower_id=borrower_id,
                    **{k: g[k] for k in _MEMBER_FIELDS},
                )
            )
            changed = True
        elif any(getattr(member, k) != g[k] for k in _MEMBER_FIELDS):
            for k in _MEMBER_FIELDS:
                setattr(member, k, g[k])
            changed = True
        if changed and results[number][0] == "unchanged":
            results[number] = ("updated", None)
    session.flush()
