"""Outbound events since a cursor, for a lender's system that polls instead of (or besides)
taking webhooks: the same bodies the webhooks deliver (``outreach.events.body``), oldest first.

Events are appended to the outbox of events in the transaction of their change; the cursor is
the last event id read, opaque to clients (``e1.<id>`` in URL-safe base64).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach import events
from outreach.integrations.problems import FieldProblem, InvalidInput
from outreach.models import Event
from outreach.models.base import MAX_ID

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
_CURSOR = re.compile(r"e1\.([0-9]{1,19})")


def encode_cursor(event_id: int) -> str:
    return base64.urlsafe_b64encode(f"e1.{event_id}".encode()).decode().rstrip("=")


def decode_cursor(raw: str | None) -> int:
    """The last event id a cursor stands for (0: from the beginning); InvalidInput naming the
    ``cursor`` parameter for anything we did not hand out."""
    if raw is None or raw == "":
        return 0
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        text = ""
    match = _CURSOR.fullmatch(text)
    if not match or int(match.group(1)) > MAX_ID:
        raise InvalidInput(
            [FieldProblem(None, "not a cursor this API handed out", parameter="cursor")]
        )
    return int(match.group(1))


@dataclass
class Page:
    items: list[dict[str, Any]]
    next_cursor: str
    has_more: bool


def since(session: Session, cursor: str | None, limit: int, types: list[str] | None = None) -> Page:
    """Up to ``limit`` events after ``cursor`` (of ``types`` when given), oldest first."""
    after = decode_cursor(cursor)
    query = select(Event).where(Event.id > after).order_by(Event.id).limit(limit + 1)
    if types:
        query = query.where(Event.type.in_(types))
    rows = list(session.scalars(query))
    page, more = rows[:limit], len(rows) > limit
    last = page[-1].id if page else after
    return Page([events.body(e) for e in page], encode_cursor(last), more)
