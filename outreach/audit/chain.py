"""Chain status for people: verify the audit chain fully or from the last good checkpoint.

A full verification reads every event from the genesis (the CLI, the nightly job and the "verify
now" button); pages verify only what was appended since the last good checkpoint, so they stay
fast however long the log grows, and show when the last full verification ran.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.audit import log as audit
from outreach.models import AuditCheckpoint


@dataclass
class ChainStatus:
    state: str  # intact | broken
    broken_id: int | None
    through_id: int
    last_full_at: datetime | None
    last_full_broken_id: int | None


def verify(
    session: Session, *, full: bool = True, officer_id: int | None = None, keep_empty: bool = True
) -> AuditCheckpoint:
    """Verify (from the genesis, or from the last good checkpoint) and record a checkpoint.

    With ``keep_empty=False`` an incremental check that found nothing new records nothing.
    """
    start = None if full else _last_good(session)
    report = (
        audit.verify_from(session)
        if start is None
        else audit.verify_from(session, start.through_id, start.through_hash)
    )
    if start is not None and not keep_empty and not report.checked and report.broken_id is None:
        return start
    point = AuditCheckpoint(
        full=start is None,
        through_id=report.through_id,
        through_hash=report.through_hash,
        checked=report.checked,
        broken_id=report.broken_id,
        officer_id=officer_id,
    )
    session.add(point)
    session.commit()
    return point


def _last_good(session: Session) -> AuditCheckpoint | None:
    return session.scalar(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.broken_id.is_(None))
        .order_by(AuditCheckpoint.id.desc())
        .limit(1)
    )


def status(session: Session) -> ChainStatus:
    """The chain as pages show it: the last full result, plus everything appended since."""
    last_full = session.scalar(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.full.is_(True))
        .order_by(AuditCheckpoint.id.desc())
        .limit(1)
    )
    last_broken = session.scalar(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.broken_id.is_not(None))
        .order_by(AuditCheckpoint.id.desc())
        .limit(1)
    )
    if last_broken is not None and (last_full is None or last_broken.id >= last_full.id):
        # A break stays on every page until a later full verification passes.
        return ChainStatus(
            "broken",
            last_broken.broken_id,
            last_broken.through_id,
            last_full.at if last_full else None,
            last_broken.broken_id,
        )
    point = verify(session, full=_last_good(session) is None, keep_empty=False)
    if point.full and (last_full is None or point.id > last_full.id):
        last_full = point
    return ChainStatus(
        "intact" if point.broken_id is None else "broken",
        point.broken_id,
        point.through_id,
        last_full.at if last_full else None,
        last_full.broken_id if last_full else None,
    )
