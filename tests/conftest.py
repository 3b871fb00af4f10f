"""Shared fixtures: a migrated database (SQLite, or PostgreSQL when TEST_DATABASE_URL is set),
the app, and the real collaborators (Prism, Rasa and the action server) started once per session.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from outreach import clock as app_clock
from outreach import create_app
from outreach.conversations.rasa_stores import tracker_store_url
from outreach.db import engine_for, normalise_url
from outreach.migrate import upgrade
from outreach.models import Base
from outreach.settings import Settings
from tests.support import servers
from tests.support.clock import MovableClock
from tests.support.fake_rasa import FakeRasa

TEST_SECRET = "test-secret-key-0123456789abcdef0123456789"
PUBLIC_BASE_URL = "https://outreach.test"


@pytest.fixture
def clock() -> Iterator[MovableClock]:
    """Hold the app's clock at a fixed instant for this test (move it with ``move_to``)."""
    held = MovableClock()
    app_clock.freeze(held)
    try:
        yield held
    finally:
        app_clock.freeze(None)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh database migrated with Alembic: PostgreSQL if TEST_DATABASE_URL is set."""
    server_url = os.environ.get("TEST_DATABASE_URL")
    if not server_url:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
        upgrade(url)
        yield url
        return
    base = make_url(normalise_url(server_url))
    name = f"outreach_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    try:
        yield url
    finally:
        engine_for(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def wipe(database_url: str) -> None:
    engine = engine_for(database_url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())


def make_settings(database_url: str, **overrides: str) -> Settings:
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "RASA_URL": "http://127.0.0.1:9",  # nothing listens: tests needing Rasa use rasa_stack
        "RASA_TOKEN": "test-rasa-token",
        "ACTION_SERVER_URL": "http://127.0.0.1:9",
        "RASA_TIMEOUT_SECONDS": "20",
    }
    env.update(overrides)
    return Settings.from_env(env)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
def app(settings: Settings, database_url: str):
    wipe(database_url)
    app = create_app(settings)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    return app


@pytest.fixture
def session(app):
    with app.extensions["sessions"]() as session:
        yield session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def fake_rasa() -> Iterator[FakeRasa]:
    """A stand-in Rasa HTTP server (tests/support/fake_rasa.py); point RASA_URL at ``.url``."""
    with FakeRasa() as rasa:
        yield rasa


@pytest.fixture(scope="session")
def prism_url() -> Iterator[str]:
    """Prism serving Twilio's official OpenAPI description (validates every request)."""
    port = servers.free_port()
    url = f"http://127.0.0.1:{port}"
    with servers.process(
        "prism", servers.prism_args(port), url + "/2010-04-01/Accounts.json", timeout=90
    ):
        yield url


@pytest.fixture(scope="session")
def action_switch() -> Iterator[servers.SwitchableProxy]:
    """What Rasa calls for custom actions: the real action server behind a switch, so a test
    can take the action server down (``with action_switch.switched_off(): ...``)."""
    proxy = servers.SwitchableProxy()
    proxy.up()
    try:
        yield proxy
    finally:
        proxy.down()


@pytest.fixture(scope="session")
def rasa_stack(
    database_url: str, action_switch: servers.SwitchableProxy
) -> Iterator[dict[str, str]]:
    """The real Rasa server and the real action server, wired to the test database."""
    action_port, rasa_port = servers.free_port(), servers.free_port()
    action_url = f"http://127.0.0.1:{action_port}"
    action_switch.target = action_url
    rasa_url = f"http://127.0.0.1:{rasa_port}"
    token = "test-rasa-token"
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "SANIC_HOST": "127.0.0.1",
        "ACTION_ENDPOINT_URL": action_switch.url + "/webhook",
        # Rasa's SQL tracker store next to (SQLite) or inside (PostgreSQL) the test database.
        "RASA_TRACKER_URL": tracker_store_url(database_url),
        "RASA_TELEMETRY_ENABLED": "false",
        "RASA_TOKEN": token,  # bot/serve.py reads it here: never on Rasa's command line
    }
    with (
        servers.process(
            "actions",
            servers.action_server_args(action_port),
            action_url + "/health",
            env=env,
            timeout=90,
        ),
        servers.process(
            "rasa",
            servers.rasa_args(rasa_port),
            rasa_url + "/",
            env=env,
            cwd=servers.ROOT / "bot",
            timeout=240,
        ),
    ):
        yield {"RASA_URL": rasa_url, "ACTION_SERVER_URL": action_url, "RASA_TOKEN": token}
