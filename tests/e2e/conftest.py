"""End-to-end fixtures: the app wired to the real Rasa server and action server."""

from __future__ import annotations

import pytest

from outreach import create_app
from tests.conftest import make_settings, wipe


@pytest.fixture
def bot_settings(database_url, rasa_stack):
    wipe(database_url)
    return make_settings(database_url, **rasa_stack)


@pytest.fixture
def bot_app(bot_settings):
    app = create_app(bot_settings)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    return app


@pytest.fixture
def bot_session(bot_app):
    with bot_app.extensions["sessions"]() as session:
        yield session
