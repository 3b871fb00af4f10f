"""Append-only, hash-chained audit log.

``record`` appends one event whose hash covers its content and the previous hash;
``verify_chain`` recomputes the chain and names the first broken link. Updating or deleting an
``AuditEvent`` through the ORM raises, so no code path can rewrite history.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from outreach import clock
from outreach.models import AuditEvent

GENESIS = "0" * 64
REDACTED = "_redacted"


class AppendOnlyError(RuntimeError):
    pass


def details_digest(details: dict[str, Any] | None) -> str:
    """The SHA-256 of an event's details as the chain commits to them."""
    raw = json.dumps(details, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def redacted_digest(details: dict[str, Any] | None) -> str | None:
    """The committed digest kept by a retention redaction, or None if ``details`` is not one."""
    if isinstance(details, dict) and set(details) == {REDACTED}:
        marker = details[REDACTED]
        if isinstance(marker, dict) and isinstance(marker.get("sha256"), str):
            return marker["sha256"]
    return None


def _digest(
    prev_hash: str,
    at: datetime,
    actor: str,
    action: str,
    subject: str | None,
    borrower_id: int | None,
    details: dict[str, Any] | None,
) -> str:
    # The chain commits to the digest of the details, not the details themselves, so a retention
    # purge can erase personal data from an old event (keeping the digest) and the chain still
    # verifies: see ``outreach.audit.retention`` and README "Retention".
    digest = redacted_digest(details) or details_digest(details)
    payload = json.dumps(
        [
            prev_hash,
            at.isoformat(timespec="microseconds"),
            actor,
            action,
            subject,
            borrower_id,
            digest,
        ],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _lock_chain(session: Session) -> None:
    """Serialise appenders until the caller's transaction ends, so two writers never read the
    same last hash and fork the chain (security review finding 3). Call before reading the head.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(727274)"))
    elif dialect == "sqlite":
        # SQLite has one writer at a time, but Python's sqlite3 runs a SELECT outside any
        # transaction until the first write, so reading the head and inserting after it are not
        # atomic. A write statement takes the database's write lock (waiting up to busy_timeout)
        # and holds it to commit; this one inserts no rows, so the table stays append-only.
        session.execute(text("INSERT INTO audit_events SELECT * FROM audit_events WHERE 0"))


def lock_chain(session: Session) -> None:
    """Hold the chain's lock for the rest of the caller's transaction (what ``record`` takes
    first). Code that emits outbound events for several borrowers in one transaction takes it
    before them, so every such transaction takes the locks in one order: the chain's, then
    the borrowers' event sequences (``outreach.events``)."""
    _lock_chain(session)


def record(
    session: Session,
    actor: str,
    action: str,
    *,
    subject: str | None = None,
    borrower_id: int | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append an audit event to the chain (flushed, committed with the caller's transaction).
    ``at`` defaults to the clock's now (a request or job passes its own instant)."""
    _lock_chain(session)
    prev = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    at = at or clock.now()
    prev_hash = prev or GENESIS
    evt = AuditEvent(
        at=at,
        actor=actor,
        action=action,
        subject=subject,
        borrower_id=borrower_id,
        details=details,
        prev_hash=prev_hash,
        hash=_digest(prev_hash, at, actor, action, subject, borrower_id, details),
    )
    session.add(evt)
    session.flush()
    return evt


@dataclass
class Event:
    """One audit event to append with ``record_many``."""

    actor: str
    action: str
    subject: str | None = None
    borrower_id: int | None = None
    details: dict[str, Any] | None = None
    at: datetime | None = None  # default: the clock's now when appended


def record_many(session: Session, events: list[Event]) -> None:
    """Append several events to the chain at once: one lock, one read of the last hash, one
    multi-row insert (the dispatcher logs a whole batch this way). Flushed, not committed."""
    if not events:
        return
    _lock_chain(session)
    session.flush()  # earlier single appends in this transaction come first in the chain
    prev_hash = (
        session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)) or GENESIS
    )
    rows = []
    for e in events:
        at = e.at or clock.now()
        digest = _digest(prev_hash, at, e.actor, e.action, e.subject, e.borrower_id, e.details)
        rows.append(
            AuditEvent(
                at=at,
                actor=e.actor,
                action=e.action,
                subject=e.subject,
                borrower_id=e.borrower_id,
                details=e.details,
                prev_hash=prev_hash,
                hash=digest,
            )
        )
        prev_hash = digest
    # The ORM inserts these in the order added and hands out ids in that order (SQLAlchemy's
    # insertmanyvalues sorts by parameter order), so the chain follows ``id`` as verify expects.
    session.add_all(rows)
    session.flush()


@dataclass
class ChainReport:
    """The outcome of a verification: ``broken_id`` is None when every link holds."""

    broken_id: int | None
    checked: int
    through_id: int
    through_hash: str


def verify_from(session: Session, after_id: int = 0, prev_hash: str = GENESIS) -> ChainReport:
    """Verify the links after event ``after_id`` (whose hash is ``prev_hash``) to the end.

    A redacted event must be named by a later ``retention.purged`` event (itself chained), so a
    tamperer cannot pass off an erased row as a purge.
    """
    checked, through_id, unexplained = 0, after_id, []
    columns = (
        AuditEvent.id,
        AuditEvent.at,
        AuditEvent.actor,
        AuditEvent.action,
        AuditEvent.subject,
        AuditEvent.borrower_id,
        AuditEvent.details,
        AuditEvent.prev_hash,
        AuditEvent.hash,
    )
    stmt = (
        select(*columns)
        .where(AuditEvent.id > after_id)
        .order_by(AuditEvent.id)
        .execution_options(yield_per=2000)
    )
    # ``with`` closes the (server-side, on PostgreSQL) cursor even when a break ends the walk early.
    with session.execute(stmt) as rows:
        for eid, at, actor, action, subject, borrower_id, details, prev, digest in rows:
            expected = _digest(prev_hash, at, actor, action, subject, borrower_id, details)
            if prev != prev_hash or digest != expected:
                return ChainReport(eid, checked, through_id, prev_hash)
            if redacted_digest(details) is not None:
                unexplained.append(eid)
            elif action == "retention.purged" and unexplained:
                named = set((details or {}).get("redacted_audit_ids", []))
                unexplained = [i for i in unexplained if i not in named]
            checked, through_id, prev_hash = checked + 1, eid, digest
    if unexplained:
        return ChainReport(unexplained[0], checked, through_id, prev_hash)
    return ChainReport(None, checked, through_id, prev_hash)


def verify_chain(session: Session) -> int | None:
    """Return the id of the first event whose link is broken, or None when the chain holds."""
    return verify_from(session).broken_id


@event.listens_for(AuditEvent, "before_update")
def _no_update(*_args: Any) -> None:
    raise AppendOnlyError("audit events are append-only")


@event.listens_for(AuditEvent, "before_delete")
def _no_delete(*_args: Any) -> None:
    raise AppendOnlyError("audit events are append-only")
