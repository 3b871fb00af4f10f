"""Shared pieces of the browser tests: Debian's Chromium flags, artifacts, signing in."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.support import servers
from tests.support.officers import PASSWORD

ARTIFACTS = servers.ROOT / "test-artifacts"
# Headless, and no background connections: this machine's network is closed.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
