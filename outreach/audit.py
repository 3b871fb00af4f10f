"""Append-only, hash-chained audit log.

``record`` appends one event whose hash covers its content and the previous hash;
``verify_chain`` recomputes the chain and names the first broken link. Updating or deleting an
``AuditEvent`` through the ORM raises, so no code path can rewrite history.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from .models import AuditEvent, utcnow

GENESIS = "0" * 64


class AppendOnlyError(RuntimeError):
    pass


def _digest(prev_hash: str, at: datetime, actor: str, action: str, subject: str | None,
            borrower_id: int | None, details: dict[str, Any] | None) -> str:
    payload = json.dumps(
        [prev_hash, at.isoformat(timespec="microseconds"), actor, action, subject, borrower_id,
         details],
        sort_keys=True, separators=(",", ":"), default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def record(session: Session, actor: str, action: str, *, subject: str | None = None,
           borrower_id: int | None = None, details: dict[str, Any] | None = None) -> AuditEvent:
    """Append an audit event to the chain (flushed, committed with the caller's transaction)."""
    if session.get_bind().dialect.name == "postgresql":
        # Serialise appenders so two writers never chain onto the same previous hash.
        session.execute(text("SELECT pg_advisory_xact_lock(727274)"))
    prev = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    at = utcnow()
    prev_hash = prev or GENESIS
    evt = AuditEvent(at=at, actor=actor, action=action, subject=subject, borrower_id=borrower_id,
                     details=details, prev_hash=prev_hash,
                     hash=_digest(prev_hash, at, actor, action, subject, borrower_id, details))
    session.add(evt)
    session.flush()
    return evt


def verify_chain(session: Session) -> int | None:
    """Return the id of the first event whose link is broken, or None when the chain holds."""
    prev_hash = GENESIS
    for evt in session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(1000):
        expected = _digest(prev_hash, evt.at, evt.actor, evt.action, evt.subject,
                           evt.borrower_id, evt.details)
        if evt.prev_hash != prev_hash or evt.hash != expected:
            return evt.id
        prev_hash = evt.hash
    return None


@event.listens_for(AuditEvent, "before_update")
def _no_update(*_args: Any) -> None:
    raise AppendOnlyError("audit events are append-only")


@event.listens_for(AuditEvent, "before_delete")
def _no_delete(*_args: Any) -> None:
    raise AppendOnlyError("audit events are append-only")
