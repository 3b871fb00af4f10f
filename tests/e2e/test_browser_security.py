"""The security headers in real Chromium (Debian's) via Playwright: another site cannot frame our
pages, and every page still works under the Content-Security-Policy (finding 24)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page, expect

from outreach.messaging.links import make_token
from tests.support import servers
from tests.support.browser import csp_violations, sign_in
from tests.support.cases import handed_off
from tests.support.officers import make_officer

pytestmark = [pytest.mark.browser]


@pytest.fixture
def live(app) -> Iterator[servers.LiveServer]:
    app.config["WTF_CSRF_ENABLED"] = True  # the real forms, tokens and all
    with servers.LiveServer(app, servers.free_port()) as server:
        yield server


@pytest.fixture
def other_site() -> Iterator[Callable[[str, str], str]]:
    """Another origin serving the HTML it is given: ``other_site(path, html)`` -> its URL."""
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", servers.free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def page(path: str, html: str) -> str:
        pages[path] = f"<!doctype html><html><body>{html}</body></html>"
        return f"http://127.0.0.1:{server.server_address[1]}{path}"

    yield page
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def test_it_keeps_our_pages_out_of_another_sites_frames(browser, live, other_site):
    other_site("/own", "<form><button>their own form</button></form>")
    url = other_site(
        "/",
        '<iframe id="own" src="/own"></iframe>'
        f'<iframe id="login" src="{live.url}/login"></iframe>'
        f'<iframe id="admin" src="{live.url}/admin/officers"></iframe>',
    )
    page = browser.new_page()
    page.goto(url)  # waits for every frame to finish loading
    # The site's own frame renders (so an empty frame below means blocked, not slow)...
    expect(page.frame_locator("#own").get_by_role("button")).to_have_count(1)
    # ...ours do not: no sign-in form to overlay and click through.
    for frame_id in ("login", "admin"):
        assert page.frame_locator(f"#{frame_id}").locator("form").count() == 0


def wait_for_poll(page: Page) -> None:
    """Let one 2-second refresh arrive and be applied (event-driven, no sleeping)."""
    with page.expect_response(lambda r: r.request.headers.get("x-requested-with") == "poll"):
        pass


def test_it_serves_every_page_under_the_content_security_policy(browser, live, session, settings):
    case = handed_off(session, settings)
    admin = make_officer(session, "admin")
    context = browser.new_context()
    violations = csp_violations(context)
    page = context.new_page()
    sign_in(page, live.url, admin.email)

    expect(page.locator("#queue")).to_contain_text("Ana Garcia")
    wait_for_poll(page)
    page.locator("#queue a").first.click()
    page.get_by_role("button", name="Claim case").click()
    page.get_by_label("Reply by sms").fill("Hello Ana")
    expect(page.locator("#segments")).to_contain_text("1 SMS segment")  # console.js runs
    wait_for_poll(page)

    page.goto(live.url + "/admin/officers")
    expect(page.locator("#officers")).to_contain_text(admin.email)
    page.goto(live.url + "/audit/search?go=1&borrower=Ana")
    expect(page.locator("#results")).to_contain_text("Ana Garcia")
    page.goto(live.url + "/audit/kpis")
    expect(page.locator("#chart-daily")).to_have_attribute("data-rendered", "true")

    page.goto(live.url + "/sandbox/")
    page.get_by_role("link", name="Ana Garcia").first.click()
    expect(page.locator("#messages")).to_contain_text("I need a person")
    wait_for_poll(page)

    page.goto(f"{live.url}/chat/?t={make_token(settings, case.borrower_id)}")
    expect(page.get_by_role("dialog", name="Account help")).to_be_visible()
    box = page.get_by_label("Your message")
    box.fill("hello")
    box.press("Enter")
    expect(page.get_by_role("log")).to_contain_text("You: hello")

    assert violations == []


def test_it_takes_an_idle_console_to_the_sign_in_page(browser, live, session, clock):
    officer = make_officer(session)
    page = browser.new_page()
    sign_in(page, live.url, officer.email)
    expect(page.locator("#queue")).to_be_visible()
    wait_for_poll(page)  # refreshing itself keeps nothing alive...
    clock.advance(minutes=31)
    with page.expect_navigation():
        wait_for_poll(page)  # ...and the first refresh after the idle timeout signs out
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert "/login" in page.url
