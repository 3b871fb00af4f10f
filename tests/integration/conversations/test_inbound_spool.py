"""A borrower's message survives a database that cannot take it (finding 16): the webhook spools
the verified form, answers Twilio normally, and the scheduler's replay stores it once."""

from __future__ import annotations

import json
import sqlite3
import stat
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url

import scheduler as scheduler_module
from outreach import create_app
from outreach.db import engine_for
from outreach.migrate import upgrade
from outreach.models import AuditEvent, Message
from tests.conftest import PUBLIC_BASE_URL, make_settings
from tests.support.twilio_signing import inbound_form, signed_post

SID = "SM" + "5" * 32
PHONE = "+13125550100"


@pytest.fixture
def sqlite_url(app, database_url, tmp_path) -> str:
    """A migrated, empty SQLite database: the suite's own, or a fresh one under PostgreSQL."""
    if database_url.startswith("sqlite"):
        return database_url  # emptied by the ``app`` fixture
    url = f"sqlite:///{tmp_path / 'spool.sqlite'}"
    upgrade(url)
    with engine_for(url).connect():  # the app's first connection turns on WAL, as in production
        pass
    return url


@pytest.fixture
def spool_dir(tmp_path):
    return tmp_path / "inbound-spool"


@pytest.fixture
def write_locked(sqlite_url) -> Iterator[sqlite3.Connection]:
    """Another connection holding SQLite's write lock (as a long job or a stuck process does)."""
    conn = sqlite3.connect(make_url(sqlite_url).database, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    try:
        yield conn
    finally:
        conn.rollback()
        conn.close()


def settings_for(url, spool_dir):
    return make_settings(url, INBOUND_SPOOL_DIR=str(spool_dir))


def text_in(settings, body="what do I owe"):
    client = create_app(settings).test_client()
    return signed_post(
        client,
        "/webhooks/twilio/sms",
        inbound_form(SID, PHONE, body),
        token=settings.sandbox_auth_token,
        base_url=PUBLIC_BASE_URL,
    )


def inbound_rows(url):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                select(Message.body, Message.provider_sid).where(Message.direction == "in")
            ).all()
    finally:
        engine.dispose()


def test_it_spools_a_message_the_locked_database_cannot_take_and_replays_it_once(
    sqlite_url, spool_dir, write_locked, clock
):
    busy = settings_for(sqlite_url + "?timeout=0.2", spool_dir)  # busy_timeout 200 ms
    resp = text_in(busy)
    assert resp.status_code == 200 and resp.mimetype == "text/xml"  # Twilio's normal answer
    assert inbound_rows(sqlite_url) == []  # the lock held: nothing could be written
    (spooled,) = spool_dir.glob("*.json")
    assert "3125550100" not in spooled.name and SID not in spooled.name
    assert stat.S_IMODE(spooled.stat().st_mode) == 0o600
    record = json.loads(spooled.read_text())
    assert record["form"]["Body"] == "what do I owe" and record["channel"] == "sms"
    received_at = clock.now()

    # The database is still locked when the scheduler first tries: the file waits.
    scheduler_module.JOBS["inbound_spool"](busy, clock.now())
    assert spooled.exists()

    write_locked.rollback()
    clock.advance(minutes=1)
    scheduler_module.JOBS["inbound_spool"](busy, clock.now())
    assert inbound_rows(sqlite_url) == [("what do I owe", SID)]
    assert list(spool_dir.glob("*.json")) == []
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        created = conn.execute(select(Message.created_at).where(Message.direction == "in"))
        assert created.scalar_one() == received_at  # when the borrower wrote, not the replay
        assert conn.execute(select(func.count()).select_from(AuditEvent)).scalar() >= 1
        replies = conn.execute(select(Message.body).where(Message.direction == "out")).all()
    engine.dispose()
    assert len(replies) == 1  # routed like any message: the bot (down here) answered once

    # Twilio sent it again while the database was down: a second replay stores nothing new.
    spooled.write_text(json.dumps(record))
    scheduler_module.JOBS["inbound_spool"](busy, clock.now())
    assert inbound_rows(sqlite_url) == [("what do I owe", SID)]
    assert list(spool_dir.glob("*.json")) == []


def test_it_spools_while_postgresql_is_unreachable(sqlite_url, spool_dir, clock):
    down = settings_for("postgresql://postgres@127.0.0.1:9/outreach", spool_dir)
    resp = text_in(down, body="hola")
    assert resp.status_code == 200 and resp.mimetype == "text/xml"
    assert len(list(spool_dir.glob("*.json"))) == 1
    # Once a database answers (here: the SQLite one), the replay stores it.
    scheduler_module.JOBS["inbound_spool"](settings_for(sqlite_url, spool_dir), clock.now())
    assert inbound_rows(sqlite_url) == [("hola", SID)]


def test_it_sets_aside_a_spool_file_it_cannot_read_and_keeps_going(sqlite_url, spool_dir, clock):
    settings = settings_for(sqlite_url, spool_dir)
    spool_dir.mkdir()
    (spool_dir / ("0" * 64 + ".json")).write_text("{not json")
    text_in(settings_for("postgresql://postgres@127.0.0.1:9/outreach", spool_dir), body="hi")
    scheduler_module.JOBS["inbound_spool"](settings, clock.now())
    assert inbound_rows(sqlite_url) == [("hi", SID)]
    assert [p.name for p in (spool_dir / "rejected").iterdir()] == ["0" * 64 + ".json"]


def test_it_answers_503_when_neither_the_database_nor_the_spool_can_keep_it(tmp_path, clock):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    down = settings_for("postgresql://postgres@127.0.0.1:9/outreach", blocked / "spool")
    resp = text_in(down)
    assert resp.status_code == 503 and resp.mimetype == "text/plain"
