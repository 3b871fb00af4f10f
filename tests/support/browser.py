"""Shared pieces of the browser tests: Debian's Chromium flags, artifacts, signing in."""

from __future__ import annotations

from playwright.sync_api import BrowserContext, Page

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


_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.__outreachCsp(e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
    " in " + (e.sourceFile || document.location.pathname) + ":" + e.lineNumber);
});
"""


def csp_violations(context: BrowserContext, seen: list[str] | None = None) -> list[str]:
    """A list (``seen``, or a new one) that fills with every Content-Security-Policy violation in
    any page of ``context`` from now on, across navigations: a browser test asserts it stays
    empty."""
    seen = [] if seen is None else seen
    context.expose_binding(
        "__outreachCsp", lambda source, text: seen.append(f"{source['frame'].url}: {text}")
    )
    context.add_init_script(_CSP_LISTENER)
    return seen
