"""Engine and session factory, one per process and database URL.

Services take a ``Session`` as an argument; the web layer opens one per request, the scheduler and
the action server one per job or call.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

# A statement's parameters are phone numbers, names and message text: SQLAlchemy must never put
# them in an error message or a log line (security finding 19). Every engine passes this.
HIDE_PARAMETERS = True
DEFAULT_BUSY_TIMEOUT_SECONDS = 10.0


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs (the driver we install)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def sqlite_connect_args(url: str) -> dict[str, Any]:
    """pysqlite's arguments: any thread (sessions move between threads), and a busy timeout.

    The timeout (SQLite's busy_timeout) makes a writer wait for the lock instead of failing at
    once: 10 s, or ``?timeout=<seconds>`` in the URL (tests hold a lock with a short one)."""
    timeout = make_url(url).query.get("timeout", DEFAULT_BUSY_TIMEOUT_SECONDS)
    return {"check_same_thread": False, "timeout": float(str(timeout))}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web app, scheduler and action server read while one of them writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args=sqlite_connect_args(url), hide_parameters=HIDE_PARAMETERS
        )
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True, hide_parameters=HIDE_PARAMETERS)
    return engine


def session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=engine_for(url), expire_on_commit=False)


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A session committed on success and rolled back on error."""
    session = session_factory(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
