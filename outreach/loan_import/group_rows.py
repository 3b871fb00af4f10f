"""The loan book's group columns (issue 20): a joint-liability group, its meeting, the member's
role and their consent to be counted in the leader's summary. All optional; a row without
``group_id`` belongs to no group."""

from __future__ import annotations

import re
from datetime import time
from typing import Any

from outreach.loan_import.errors import RowError
from outreach.models.groups import ROLES, WEEKDAYS, LoanGroup

GROUP_COLUMNS = (
    "group_id",
    "group_name",
    "group_branch",
    "group_meeting_day",
    "group_meeting_time",
    "group_meeting_place",
    "group_role",
    "group_summary_consent",
)
_TABLE = LoanGroup.__table__.c
GROUP_LENGTHS = {
    "group_id": _TABLE.external_id.type.length,
    "group_name": _TABLE.name.type.length,
    "group_branch": _TABLE.branch.type.length,
    "group_meeting_place": _TABLE.meeting_place.type.length,
}
_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}


def parse_group(row: dict[str, str]) -> dict[str, Any] | None:
    """The row's group and membership, or None; RowError names the first bad group field."""
    external_id = row.get("group_id") or ""
    if not external_id:
        given = [name for name in GROUP_COLUMNS[1:] if row.get(name)]
        if given:
            raise RowError("group_id", f"required when {given[0]} is given")
        return None
    day = (row.get("group_meeting_day") or "").lower() or None
    if day is not None and day not in WEEKDAYS:
        raise RowError("group_meeting_day", f"expected a weekday name (like thursday), got {day!r}")
    raw_time = row.get("group_meeting_time") or ""
    meeting_time = None
    if raw_time:
        match = _TIME.fullmatch(raw_time)
        if match is None:
            raise RowError("group_meeting_time", f"expected HH:MM (24-hour), got {raw_time!r}")
        meeting_time = time(int(match[1]), int(match[2]))
    role = (row.get("group_role") or "member").lower()
    if role not in ROLES:
        raise RowError("group_role", f"expected one of {', '.join(ROLES)}")
    consent = (row.get("group_summary_consent") or "").lower()
    if consent not in _YES | _NO:
        raise RowError("group_summary_consent", "expected yes or no")
    return {
        "external_id": external_id,
        "name": row.get("group_name") or external_id,
        "branch": row.get("group_branch") or None,
        "meeting_weekday": day,
        "meeting_time": meeting_time,
        "meeting_place": row.get("group_meeting_place") or None,
        "role": role,
        "summary_consent": consent in _YES,
    }
