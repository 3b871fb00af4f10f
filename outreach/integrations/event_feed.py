"""Outbound events since a cursor, for a lender's system that polls instead of (or besides)
taking webhooks: the same bodies the webhooks deliver (``outreach.events.body``), oldest first.

Events are appended to the outbox of events in the transaction of their change; the cursor is
the last event id read, opaque to clients (``e1.<id>`` in URL-safe base64).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach import events
from outreach.integrations import cursors
from outreach.models import Event

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def encode_cursor(last_id: int) -> str:
    return cursors.encode("e1", last_id)


def decode_cursor(raw: str | None) -> int:
    """The last id a cursor stands for (0: from the beginning); InvalidInput naming ``cursor``."""
    return cursors.decode("e1", raw)


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
