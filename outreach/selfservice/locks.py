"""Failed identity checks counted across conversations, sessions and channels; lock-outs.

Security finding 1: failures were counted per conversation, and a new chat session reset the
count. Now every completed check is recorded against each *subject* of its conversation (the
conversation, its borrower, the loan number a web visitor typed: ``models/identity.py``), and a
subject with ``max_attempts`` failures since its last success or lock-out (within the window) is
locked for ``lockout_minutes``, doubling for each further lock-out within a day (up to a day).
The lock ends by itself (the clock) or when an officer releases it from the console (audited).
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from outreach.audit import log as audit
from outreach.models import Conversation, IdentityCheck, IdentityLockout

ESCALATION_WINDOW = timedelta(days=1)
MAX_LOCKOUT = timedelta(days=1)


@dataclass(frozen=True)
class Subject:
    key: str  # "conversation:<id>", "borrower:<id>" or "loan:<hmac>"
    borrower_id: int | None


def normalise_loan_number(number: str) -> str:
    """Loan numbers compare without case, spaces or dashes ("ln-2026 0001" is "LN20260001")."""
    return re.sub(r"[\s-]", "", number).upper()


def loan_key(secret: str, number: str) -> str:
    """The subject for a typed loan number: a keyed digest, so no table or rate-limit counter
    holds the number itself, and an unknown number gets a subject like a known one."""
    digest = hmac.new(
        secret.encode(), b"identify-loan.v1:" + normalise_loan_number(number).encode(), "sha256"
    ).hexdigest()
    return f"loan:{digest[:40]}"


def subjects(conv: Conversation) -> list[Subject]:
    """What a failed check in this conversation counts against."""
    found = [Subject(f"conversation:{conv.id}", conv.borrower_id)]
    if conv.borrower_id is not None:
        found.append(Subject(f"borrower:{conv.borrower_id}", conv.borrower_id))
    if conv.identify_key:
        found.append(Subject(conv.identify_key, conv.borrower_id))
    return found


def active_lock(
    session: Session, keys: list[str], now: datetime, borrower_id: int | None = None
) -> IdentityLockout | None:
    """The lock-out in force on any of ``keys`` (or on the borrower), the longest first."""
    where = IdentityLockout.subject.in_(keys)
    if borrower_id is not None:
        where = or_(where, IdentityLockout.borrower_id == borrower_id)
    return session.scalar(
        select(IdentityLockout)
        .where(where, IdentityLockout.locked_until > now, IdentityLockout.released_at.is_(None))
        .order_by(IdentityLockout.locked_until.desc())
        .limit(1)
    )


def _counting_from(session: Session, key: str, now: datetime, window: timedelta) -> datetime:
    """Failures count from the latest of: the window's start, the last success, the end of the
    last lock-out (so each lock-out is followed by a fresh set of attempts, not one)."""
    last_ok = session.scalar(
        select(func.max(IdentityCheck.at)).where(
            IdentityCheck.subject == key, IdentityCheck.ok.is_(True)
        )
    )
    ended = session.scalars(
        select(func.coalesce(IdentityLockout.released_at, IdentityLockout.locked_until)).where(
            IdentityLockout.subject == key
        )
    ).all()
    return max([now - window, *([last_ok] if last_ok else []), *ended])


def failures(session: Session, key: str, now: datetime, window: timedelta) -> int:
    since = _counting_from(session, key, now, window)
    return (
        session.scalar(
            select(func.count(IdentityCheck.id)).where(
                IdentityCheck.subject == key, IdentityCheck.ok.is_(False), IdentityCheck.at > since
            )
        )
        or 0
    )


def record_check(
    session: Session,
    conv: Conversation,
    ok: bool,
    now: datetime,
    *,
    max_attempts: int,
    window: timedelta,
    lockout: timedelta,
) -> tuple[int, IdentityLockout | None]:
    """Record one completed check against every subject; lock those that reached the limit.

    Returns the attempts left (the fewest of any subject) and the new lock-out, if any."""
    found = subjects(conv)
    for subject in found:
        session.add(
            IdentityCheck(
                subject=subject.key,
                borrower_id=subject.borrower_id,
                conversation_id=conv.id,
                ok=ok,
                at=now,
            )
        )
    session.flush()
    if ok:
        return max_attempts, None
    left, lock = max_attempts, None
    for subject in found:
        count = failures(session, subject.key, now, window)
        left = min(left, max(0, max_attempts - count))
        if count >= max_attempts:
            lock = _lock(session, subject, conv, now, lockout)
    return left, lock


def _lock(
    session: Session, subject: Subject, conv: Conversation, now: datetime, base: timedelta
) -> IdentityLockout:
    # Each further lock-out of the same subject within a day doubles (an officer's release
    # does not count: that was the borrower), so guessing stays slow after the first one.
    previous = (
        session.scalar(
            select(func.count(IdentityLockout.id)).where(
                IdentityLockout.subject == subject.key,
                IdentityLockout.locked_at > now - ESCALATION_WINDOW,
                IdentityLockout.released_by_id.is_(None),
            )
        )
        or 0
    )
    lock = IdentityLockout(
        subject=subject.key,
        borrower_id=subject.borrower_id,
        conversation_id=conv.id,
        locked_at=now,
        locked_until=now + min(base * 2**previous, MAX_LOCKOUT),
    )
    session.add(lock)
    session.flush()
    return lock


def borrower_lock(session: Session, borrower_id: int, now: datetime) -> IdentityLockout | None:
    """The lock-out the console shows on the borrower panel (None when the check is open)."""
    return active_lock(session, [f"borrower:{borrower_id}"], now, borrower_id=borrower_id)


def release(session: Session, borrower_id: int, officer_id: int, now: datetime) -> int:
    """An officer opens the identity check again for this borrower (every subject locked on
    their behalf); audited. Returns how many lock-outs were lifted."""
    released = session.execute(
        update(IdentityLockout)
        .where(
            IdentityLockout.borrower_id == borrower_id,
            IdentityLockout.locked_until > now,
            IdentityLockout.released_at.is_(None),
        )
        .values(released_at=now, released_by_id=officer_id)
    ).rowcount
    if released:
        audit.record(
            session,
            f"officer:{officer_id}",
            "identity.lock_released",
            subject=f"borrower:{borrower_id}",
            borrower_id=borrower_id,
            details={"lockouts": released},
        )
    return released
