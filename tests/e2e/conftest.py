"""End-to-end fixtures: the app wired to the real Rasa server and action server."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from outreach import create_app
from tests.conftest import make_settings, wipe
from tests.support import servers
from tests.support.browser import CHROMIUM_ARGS


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


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (its own browser download is not reachable)."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=servers.chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
