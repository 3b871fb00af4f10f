"""One leader among any number of scheduler processes (issue 19: one scheduler leader).

APScheduler's job store is not a lock: two scheduler processes would both run every job. So every
scheduler process elects itself through ``Leadership.hold`` every ``renew_every`` seconds, and only
the leader runs jobs (``scheduler.py``); the others stand by.

* PostgreSQL: a session advisory lock (``pg_try_advisory_lock``) on a dedicated connection. The
  lock lives exactly as long as that connection: a leader killed with SIGKILL loses it the
  moment the kernel closes its socket, and a standby's next try (at most ``renew_every`` later)
  takes it. A leader whose lock connection breaks (the database restarted) stops leading at once.
* SQLite (one machine, normally one process): the ``scheduler_leases`` row is the lock, taken by
  a conditional update when it is ours or its ``expires_at`` has passed, renewed each tick; a
  leader that cannot renew stops leading when its own lease expires, before anyone may take it.

Either way the row names the leader (host, pid, since) for ``/healthz/ready`` and ``/metrics``.
A standby takes over within ``ttl + renew_every`` (SQLite) or ``renew_every`` (PostgreSQL) of
the leader's death: 25 s and 5 s by default, inside the 30 s the issue asks for.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from outreach.db import HIDE_PARAMETERS, engine_for, normalise_url
from outreach.models import SchedulerLease

log = logging.getLogger(__name__)
# The advisory-lock namespace (first key) for leaderships; outreach.outbox.borrower_locks uses
# another, so a borrower id can never be mistaken for the scheduler's lock.
LEADER_LOCK_CLASS = 19_002
LEADER_LOCK_KEYS = {"scheduler": 1}
DEFAULT_TTL_SECONDS = 20.0


def lease_ttl() -> timedelta:
    """``SCHEDULER_LEASE_SECONDS`` (default 20): how long a lease holds without renewal."""
    raw = os.environ.get("SCHEDULER_LEASE_SECONDS", "")
    try:
        seconds = float(raw) if raw else DEFAULT_TTL_SECONDS
    except ValueError:
        log.warning("SCHEDULER_LEASE_SECONDS: not a number, using %s", DEFAULT_TTL_SECONDS)
        seconds = DEFAULT_TTL_SECONDS
    return timedelta(seconds=max(seconds, 2.0))


@dataclass(frozen=True)
class Leader:
    """Who leads, as /healthz/ready and /metrics show it."""

    host: str
    pid: int
    since: datetime
    renewed_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "pid": self.pid,
            "since": self.since.isoformat(),
            "renewed_at": self.renewed_at.isoformat(),
        }


def current_leader(session: Session, now: datetime, name: str = "scheduler") -> Leader | None:
    """The leader whose lease still holds at ``now``, or None (no scheduler leads)."""
    row = session.get(SchedulerLease, name)
    if row is None or row.expires_at <= now:
        return None
    return Leader(row.host, row.pid, row.since, row.renewed_at)


class Leadership:
    """This process's candidacy for ``name``; ``hold(now)`` each tick says whether it leads."""

    def __init__(self, database_url: str, name: str = "scheduler", ttl: timedelta | None = None):
        self.name = name
        self.ttl = ttl or lease_ttl()
        self.renew_every = self.ttl / 4
        self.host = socket.gethostname()[:255]
        self.pid = os.getpid()
        self.holder = f"{self.host[:80]}:{self.pid}:{secrets.token_hex(6)}"
        self._url = database_url
        self._engine = engine_for(database_url)
        self._postgres = self._engine.dialect.name == "postgresql"
        self._lock_engine: Engine | None = None
        self._lock_conn: Connection | None = None
        self._since: datetime | None = None
        self._expires: datetime | None = None

    @property
    def leading(self) -> bool:
        return self._since is not None

    def hold(self, now: datetime) -> bool:
        """Take or keep the leadership at ``now``; never raises (a database error is logged)."""
        was = self.leading
        try:
            leads = self._hold_postgres(now) if self._postgres else self._hold_lease(now)
        except SQLAlchemyError as exc:
            log.warning("leader election (%s): database error %s", self.name, type(exc).__name__)
            leads = self._after_error(now)
        if leads and not was:
            log.info("leader (%s): this process leads now (pid %s)", self.name, self.pid)
        elif was and not leads:
            log.warning("leader (%s): leadership lost (pid %s)", self.name, self.pid)
        return leads

    def release(self, now: datetime) -> None:
        """Step down (a clean stop): the lease ends now, so a standby takes over at its next try."""
        try:
            if self.leading:
                with self._engine.begin() as conn:
                    conn.execute(
                        update(SchedulerLease)
                        .where(SchedulerLease.name == self.name)
                        .where(SchedulerLease.holder == self.holder)
                        .values(expires_at=now)
                    )
            if self._lock_conn is not None:  # at once, not when the server notices the hang-up
                self._lock_conn.execute(
                    text("SELECT pg_advisory_unlock_all()"),
                )
        except SQLAlchemyError as exc:
            log.warning("leader (%s): release failed: %s", self.name, type(exc).__name__)
        self._since = self._expires = None
        self._close_lock()

    def abandon(self) -> None:
        """Drop everything without telling anyone, as a killed process does (for tests)."""
        self._since = self._expires = None
        self._close_lock()

    # --- PostgreSQL: the advisory lock decides ------------------------------------------
    def _hold_postgres(self, now: datetime) -> bool:
        if self._lock_conn is None:
            if self._lock_engine is None:
                # Its own engine without a pool: closing the connection must end the session
                # (and with it the lock), never hand a locked connection back to a pool.
                self._lock_engine = create_engine(
                    normalise_url(self._url), poolclass=NullPool, hide_parameters=HIDE_PARAMETERS
                )
            conn = self._lock_engine.connect()
            self._lock_conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        got = self._lock_conn.execute(
            text("SELECT pg_try_advisory_lock(:cls, :key)"),
            {"cls": LEADER_LOCK_CLASS, "key": LEADER_LOCK_KEYS.get(self.name, 0)},
        ).scalar()
        # Re-entrant for its holder, so "true" also says our session (and lock) is alive; a
        # second hold of the same session lock is released at once to keep the count at one.
        if got and self.leading:
            self._lock_conn.execute(
                text("SELECT pg_advisory_unlock(:cls, :key)"),
                {"cls": LEADER_LOCK_CLASS, "key": LEADER_LOCK_KEYS.get(self.name, 0)},
            )
        if not got:
            self._since = None
            return False
        self._since = self._since or now
        self._write_row(now, conditional=False)
        return True

    def _close_lock(self) -> None:
        if self._lock_conn is not None:
            with contextlib.suppress(SQLAlchemyError):  # a broken connection: gone anyway
                self._lock_conn.close()
            self._lock_conn = None

    # --- SQLite: the lease row decides --------------------------------------------------
    def _hold_lease(self, now: datetime) -> bool:
        since = self._since or now
        if not self._write_row(now, conditional=True, since=since):
            self._since = self._expires = None
            return False
        self._since, self._expires = since, now + self.ttl
        return True

    def _after_error(self, now: datetime) -> bool:
        if self._postgres:  # the lock went with the connection, or may have: step down
            self._since = None
            self._close_lock()
            return False
        if self._expires is not None and now < self._expires:
            return True  # still ours until it expires: nobody else may take it before then
        self._since = self._expires = None
        return False

    def _write_row(
        self, now: datetime, *, conditional: bool, since: datetime | None = None
    ) -> bool:
        values = {
            "holder": self.holder,
            "host": self.host,
            "pid": self.pid,
            "since": since or self._since or now,
            "renewed_at": now,
            "expires_at": now + self.ttl,
        }
        with self._engine.begin() as conn:
            query = update(SchedulerLease).where(SchedulerLease.name == self.name)
            if conditional:  # ours already, or the last holder's lease has run out
                query = query.where(
                    or_(SchedulerLease.holder == self.holder, SchedulerLease.expires_at <= now)
                )
            if conn.execute(query.values(**values)).rowcount:
                return True
            if conn.scalar(select(SchedulerLease.name).where(SchedulerLease.name == self.name)):
                return False  # someone else's lease, still valid
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(SchedulerLease).values(name=self.name, **values))
            return True
        except IntegrityError:  # another candidate inserted it first
            return False
