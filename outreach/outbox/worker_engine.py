"""The dispatcher's database engine: on SQLite, transactions that take the write lock at once.

A dispatcher's claim reads due rows and then updates them; on SQLite a read snapshot cannot be
upgraded to a write while another connection writes ("database is locked"), so its transactions
start with ``BEGIN IMMEDIATE`` and racing dispatchers queue for the lock (busy_timeout) instead.
PostgreSQL needs none of this (``FOR UPDATE SKIP LOCKED``): there it is the app's engine.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, create_engine, event

from outreach.db import HIDE_PARAMETERS, _sqlite_pragmas, sqlite_connect_args


def worker_engine(bind: Engine) -> Engine:
    """PostgreSQL: the app's engine. SQLite: one whose transactions start with BEGIN IMMEDIATE,
    so concurrent dispatchers queue for the write lock (busy_timeout) instead of failing with
    "database is locked" when a read snapshot cannot be upgraded to a write."""
    if bind.dialect.name != "sqlite":
        return bind
    return _immediate_engine(bind.url.render_as_string(hide_password=False))


@lru_cache(maxsize=8)
def _immediate_engine(url: str) -> Engine:
    engine = create_engine(
        url,
        connect_args=sqlite_connect_args(url),
        pool_size=10,
        max_overflow=20,
        hide_parameters=HIDE_PARAMETERS,
    )

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, record: Any) -> None:
        _sqlite_pragmas(dbapi_connection, record)
        dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" below starts them

    # One writer at a time inside this process (e.g. two scheduler jobs dispatching at once):
    # they queue on a lock instead of polling SQLite's busy handler, which can starve one past
    # busy_timeout. Other processes queue in BEGIN IMMEDIATE.
    lock = threading.Lock()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        lock.acquire()
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            lock.release()
            raise

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _end(conn: Any) -> None:
        if lock.locked():
            lock.release()

    return engine
