"""Sign-in limits that hold across processes and hosts: attempts counted in the database.

Security finding 25: the per-process limiter let 12 of 40 guesses through two workers, and
counted only per address. Here every attempt is committed as a ``login_attempts`` row *before*
its password is checked and then counted with every row already there, so of any number of
simultaneous guesses on any number of workers sharing the database, at most the limit are
checked in a window (the k-th row to commit sees at least k rows). Two counters:

* per client address: ``ADDRESS_LIMIT`` failed attempts in ``WINDOW``, whatever accounts they
  name (password spraying from one place);
* per account: ``ACCOUNT_LIMIT`` failed attempts in ``WINDOW`` since the account's last
  successful sign-in: the lock-out. Unknown emails are counted exactly like known ones, so a
  lock-out does not tell anyone which emails have accounts.

An attempt in flight counts as a failure until it is settled. Refused attempts are stored but
not counted, so a locked account opens ``WINDOW`` after the failures that locked it, however
often it is tried meanwhile (the release time is shown on the sign-in page).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, func, select, update
from sqlalchemy.orm import Session

from outreach.models import LoginAttempt

WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20
KEEP = timedelta(days=1)  # rows are evidence for a day; the audit log keeps the failures
COUNTED = ("pending", "failed")


@dataclass(frozen=True)
class Verdict:
    """Whether this attempt may check its password; if not, which limit and until when."""

    attempt_id: int
    allowed: bool
    scope: str | None = None  # "account" or "address" when refused
    until: datetime | None = None


def account_key(secret: str, email: str) -> str:
    """The account counter's key: an HMAC of the normalised email (never the email itself)."""
    return hmac.new(secret.encode(), email.encode(), hashlib.sha256).hexdigest()[:64]


def _counters(
    session: Session, address: str, account: str, now: datetime
) -> list[tuple[str, ColumnElement[bool], int]]:
    """(scope, which rows count, limit) for the two counters at ``now``."""
    since = now - WINDOW
    last_ok = session.scalar(
        select(func.max(LoginAttempt.id)).where(
            LoginAttempt.account == account, LoginAttempt.outcome == "ok"
        )
    )
    return [
        (
            "account",
            and_(
                LoginAttempt.account == account,
                LoginAttempt.at > since,
                LoginAttempt.id > (last_ok or 0),  # a successful sign-in resets the lock-out
            ),
            ACCOUNT_LIMIT,
        ),
        ("address", and_(LoginAttempt.address == address, LoginAttempt.at > since), ADDRESS_LIMIT),
    ]


def _blocked_until(
    session: Session, where: ColumnElement[bool], limit: int, own_id: int
) -> datetime | None:
    """When the counter under ``where`` (rows other than ours) drops below ``limit``, or None
    if it is below it already."""
    ats = session.scalars(
        select(LoginAttempt.at)
        .where(where, LoginAttempt.id != own_id, LoginAttempt.outcome.in_(COUNTED))
        .order_by(LoginAttempt.at.desc(), LoginAttempt.id.desc())
        .limit(limit)
    ).all()
    return ats[-1] + WINDOW if len(ats) >= limit else None


def begin(session: Session, *, address: str, account: str, now: datetime) -> Verdict:
    """Record an attempt (committed) and say whether its password may be checked."""
    address = address[:64]
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - KEEP))
    attempt = LoginAttempt(at=now, address=address, account=account, outcome="pending")
    session.add(attempt)
    session.commit()  # visible to every other worker before we count (see the module doc)
    for scope, where, limit in _counters(session, address, account, now):
        until = _blocked_until(session, where, limit, attempt.id)
        if until is not None:
            settle(session, attempt.id, "refused")
            session.commit()
            return Verdict(attempt.id, False, scope, until)
    return Verdict(attempt.id, True)


def settle(session: Session, attempt_id: int, outcome: str) -> None:
    """Mark an attempt ``ok``, ``failed`` or ``refused`` (the caller commits)."""
    session.execute(
        update(LoginAttempt).where(LoginAttempt.id == attempt_id).values(outcome=outcome)
    )


def filled(session: Session, *, address: str, account: str, now: datetime) -> list[str]:
    """After a settled failure: the counters it filled up, to audit each lock-out once."""
    return [
        scope
        for scope, where, limit in _counters(session, address[:64], account, now)
        if session.scalar(
            select(func.count(LoginAttempt.id)).where(where, LoginAttempt.outcome == "failed")
        )
        == limit
    ]
