"""The officer console and the web chat widget in real Chromium (Debian's) via Playwright, with the
real Rasa and action servers. The widget is embedded with one script tag in a page served from
another origin, as on a lender's own site."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page, expect

from outreach.channels import ChannelRegistry
from outreach.conversations.inbound import open_conversation, receive_inbound
from outreach.conversations.rasa_client import RasaClient
from outreach.messaging.links import make_token
from outreach.selfservice import open_handoff
from tests.support import servers
from tests.support.browser import ARTIFACTS, csp_violations, sign_in
from tests.support.factories import make_borrower
from tests.support.officers import PASSWORD, make_officer

pytestmark = [pytest.mark.rasa, pytest.mark.browser]
PAYLOAD = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1"> hi'
BOT_WAIT = 20_000  # Rasa's first answers can be slow on a cold model
# Both poll every 2 s: a few cycles on a loaded 2-core CI machine (a bound, not a speed target).
POLL_WAIT = 15_000


@pytest.fixture
def live(bot_app) -> Iterator[servers.LiveServer]:
    bot_app.config["WTF_CSRF_ENABLED"] = True  # the real forms, tokens and all
    with servers.LiveServer(bot_app, servers.free_port()) as server:
        yield server


@pytest.fixture
def host(live) -> Iterator[Callable[..., str]]:
    """A lender's page on another origin that embeds the widget with one script tag."""
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

    def page(name: str = "/", *, lang: str = "en", link: str = "") -> str:
        pages[name] = (
            f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>Lender</title></head><body><h1>Acme Lending</h1>"
            '<a href="#">Pay online</a>'
            f'<script src="{live.url}/chat/widget.js" data-lang="{lang}" '
            f'data-link="{link}"></script></body></html>'
        )
        return f"http://127.0.0.1:{server.server_address[1]}{name}"

    yield page
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def say(page: Page, text: str) -> None:
    box = page.get_by_label("Your message")
    box.fill(text)
    box.press("Enter")


def test_it_hands_a_widget_chat_to_an_officer_and_back(
    browser, live, host, bot_settings, bot_session
):
    borrower = make_borrower(bot_session)
    officer = make_officer(bot_session)
    console_context = browser.new_context(viewport={"width": 1280, "height": 900})
    violations = csp_violations(console_context)  # the console works under the CSP (finding 24)
    console = console_context.new_page()
    sign_in(console, live.url, officer.email)
    expect(console.locator("#queue")).to_contain_text("No open cases")

    chat = browser.new_context().new_page()
    chat.goto(host(link=make_token(bot_settings, borrower.id)))
    chat.get_by_role("button", name="Chat with us").click()
    log = chat.get_by_role("log")
    say(chat, "I want to speak to an agent")
    expect(log).to_contain_text("officer will answer", timeout=BOT_WAIT)

    # The queue picks the new case up without a reload and announces it.
    expect(console.locator("#queue")).to_contain_text("Ana Garcia", timeout=POLL_WAIT)
    expect(console.locator("#queue")).to_contain_text("web")
    expect(console.locator("#console-live")).to_contain_text("Queue updated")
    ARTIFACTS.mkdir(exist_ok=True)
    console.screenshot(path=str(ARTIFACTS / "console-queue.png"), full_page=True)
    console.locator("#queue a").first.click()
    console.get_by_role("button", name="Claim case").click()
    console.get_by_label("Reply by web").fill("Hi Ana, Olivia here. How can I help?")
    console.get_by_role("button", name="Send", exact=True).click()
    expect(console.locator("#messages")).to_contain_text("Olivia here")

    expect(log).to_contain_text("Olivia here", timeout=POLL_WAIT)  # no reload: polled
    # While the officer is on a case, a new case elsewhere is announced there too.
    other = make_borrower(bot_session, phone="+13125550177", external_id="B-2")
    sms = open_conversation(bot_session, "sms", "+13125550177")
    bot_session.commit()
    open_handoff(sms.public_id, "dispute", {}, settings=bot_settings)
    expect(console.locator("#console-live")).to_contain_text("Queue: 2 open", timeout=POLL_WAIT)
    assert other.id != borrower.id
    say(chat, "Can I pay on Friday?")
    expect(console.locator("#messages")).to_contain_text("pay on Friday", timeout=POLL_WAIT)
    console.screenshot(path=str(ARTIFACTS / "console-case.png"), full_page=True)
    chat.screenshot(path=str(ARTIFACTS / "widget-desktop.png"))

    console.get_by_role("button", name="Close case (bot resumes)").click()
    expect(console.locator("#queue")).not_to_contain_text("web")
    say(chat, "what's my balance")
    expect(log).to_contain_text("date of birth", timeout=BOT_WAIT)  # the bot answers again

    chat.reload()  # the conversation survives a reload
    expect(chat.get_by_role("log")).to_contain_text("Olivia here", timeout=POLL_WAIT)
    expect(chat.get_by_role("log")).to_contain_text("date of birth")
    assert violations == []


def test_it_refuses_pages_to_an_officer_without_the_role(browser, live, bot_session):
    auditor = make_officer(bot_session, "auditor")
    officer = make_officer(bot_session)
    page = browser.new_context().new_page()
    sign_in(page, live.url, auditor.email)
    assert page.goto(live.url + "/console/").status == 403
    page = browser.new_context().new_page()
    sign_in(page, live.url, officer.email)
    assert page.goto(live.url + "/admin/officers").status == 403
    assert page.goto(live.url + "/audit/").status == 403
    page.goto(live.url + "/console/")
    expect(page.get_by_role("link", name="Queue")).to_be_visible()
    assert page.get_by_role("link", name="Audit").count() == 0


def test_it_shows_html_from_borrowers_as_text_everywhere(
    browser, live, host, bot_settings, bot_session
):
    borrower = make_borrower(bot_session)
    officer, auditor = make_officer(bot_session), make_officer(bot_session, "auditor")
    receive_inbound(
        bot_session,
        bot_settings,
        RasaClient.from_settings(bot_settings),
        ChannelRegistry(bot_settings),
        channel="sms",
        address="+13125550100",
        body=PAYLOAD,
        provider_sid="SM" + "1" * 32,
    )
    sms_conv = open_conversation(bot_session, "sms", "+13125550100")
    sms_case = open_handoff(sms_conv.public_id, "requested", {}, settings=bot_settings)

    chat = browser.new_context().new_page()
    chat.goto(host(link=make_token(bot_settings, borrower.id)))
    chat.get_by_role("button", name="Chat with us").click()
    say(chat, PAYLOAD)
    log = chat.get_by_role("log")
    expect(log).to_contain_text("<script>window.__pwned=1</script>", timeout=BOT_WAIT)
    assert chat.locator(".oc-log img, .oc-log script").count() == 0
    assert chat.evaluate("window.__pwned") is None

    console = browser.new_context().new_page()
    sign_in(console, live.url, officer.email)
    console.goto(f"{live.url}/console/cases/{sms_case}")
    expect(console.locator("#messages")).to_contain_text('<img src=x onerror="window.__pwned=1">')
    console.wait_for_timeout(2_500)  # one poll cycle re-renders the transcript
    assert console.locator("#messages img, #messages script").count() == 0
    assert console.evaluate("window.__pwned") is None

    audit = browser.new_context().new_page()
    sign_in(audit, live.url, auditor.email)
    audit.goto(f"{live.url}/audit/borrowers/{borrower.id}")
    page_text = audit.locator("main")
    expect(page_text).to_contain_text("<script>window.__pwned=1</script>")
    assert audit.locator("main img, main table script").count() == 0
    assert audit.evaluate("window.__pwned") is None


def test_it_fits_the_widget_on_a_narrow_phone_in_spanish(browser, live, host, bot_session):
    phone = browser.new_context(
        viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True
    ).new_page()
    phone.goto(host("/es", lang="es"))
    phone.get_by_role("button", name="Chatee con nosotros").click()
    panel = phone.get_by_role("dialog", name="Ayuda con su cuenta")
    expect(panel).to_be_visible()
    box = panel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360 and box["height"] <= 640
    phone.get_by_label("Su mensaje").fill("hola")
    phone.get_by_role("button", name="Enviar").click()
    expect(phone.get_by_role("log")).to_contain_text("hola")
    expect(phone.get_by_role("log")).to_contain_text(re.compile(r"Asistente: \S"), timeout=BOT_WAIT)
    # An anonymous visitor can name an account; the bot still checks the date of birth.
    expect(phone.get_by_label("Número de préstamo (opcional)")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "widget-mobile.png"))


def test_it_works_from_the_keyboard_with_a_live_region(browser, live, host, bot_session):
    page = browser.new_context().new_page()
    page.goto(host("/kb"))
    page.get_by_role("link", name="Pay online").focus()
    page.keyboard.press("Tab")
    launcher = page.get_by_role("button", name="Chat with us")
    expect(launcher).to_be_focused()
    page.keyboard.press("Enter")
    expect(launcher).to_have_attribute("aria-expanded", "true")
    box = page.get_by_label("Your message")
    expect(box).to_be_focused()
    log = page.get_by_role("log")
    expect(log).to_have_attribute("aria-live", "polite")
    page.keyboard.type("hello")
    page.keyboard.press("Enter")
    expect(log).to_contain_text("You: hello")
    expect(log).to_contain_text("Assistant:", timeout=BOT_WAIT)
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(launcher).to_be_focused()


def test_it_lets_an_admin_add_an_officer_who_can_then_sign_in(browser, live, bot_session):
    admin = make_officer(bot_session, "admin")
    context = browser.new_context()
    violations = csp_violations(context)
    page = context.new_page()
    sign_in(page, live.url, admin.email)
    page.get_by_role("link", name="Officers", exact=True).click()
    page.get_by_label("Email", exact=True).fill("nia@lender.test")
    page.get_by_label("Name", exact=True).fill("Nia")
    page.get_by_label("Role", exact=True).select_option("supervisor")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create officer").click()
    expect(page.locator("#officers")).to_contain_text("nia@lender.test")
    page.screenshot(path=str(ARTIFACTS / "admin-officers.png"), full_page=True)
    fresh = browser.new_context().new_page()
    sign_in(fresh, live.url, "nia@lender.test")
    expect(fresh.locator("#queue")).to_be_visible()
    assert violations == []


def test_it_locks_a_widget_visitor_out_across_chat_sessions(browser, live, host, bot_session):
    # Findings 1 and 8: a visitor with a loan number tries wrong answers (one message with many
    # dates among them), is locked out, and a new chat session in the same browser is still
    # locked; the officer sees the lock-out on the case and releases it.
    borrower = make_borrower(bot_session)
    number = borrower.loans[0].loan_number
    officer = make_officer(bot_session)
    page = browser.new_context().new_page()
    url = host("/lock")

    def new_session_with_loan_number() -> None:
        page.evaluate("localStorage.clear()")  # what a new chat session starts from
        page.goto(url)
        page.get_by_role("button", name="Chat with us").click()
        loan = page.get_by_label("Loan number (optional)")
        expect(loan).to_be_visible(timeout=POLL_WAIT)  # the widget keeps track of it itself
        loan.fill(number)
        page.get_by_role("button", name="Find my account").click()
        expect(page.get_by_role("status")).to_contain_text("confirm your identity")
        expect(loan).to_be_hidden()

    def bot_says(text: str, expected: str) -> None:
        replies = page.locator(".oc-bot")
        before = replies.count()
        say(page, text)
        expect(replies.nth(before)).to_be_visible(timeout=BOT_WAIT)
        expect(page.get_by_role("log")).to_contain_text(expected, timeout=BOT_WAIT)

    page.goto(url)
    new_session_with_loan_number()
    bot_says("what's my balance", "date of birth")
    many = " ".join(f"{m}/{d}/1985" for m in range(1, 13) for d in range(1, 10))
    bot_says(many, "Please send just one date")
    for left in ("2 more", "1 more"):
        bot_says("01/01/1990", "postal code")
        bot_says("99999", left)
    bot_says("01/01/1990", "postal code")
    bot_says("99999", "identity check is locked for 30 minute(s)")
    expect(page.get_by_role("log")).to_contain_text("officer will answer", timeout=BOT_WAIT)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-locked.png"))

    new_session_with_loan_number()
    bot_says("what's my balance", "date of birth")
    bot_says("14/03/1985", "identity check is locked")  # the right date: still locked
    assert "$" not in page.get_by_role("log").inner_text()

    console = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(console, live.url, officer.email)
    console.locator("#queue a").first.click()
    console.get_by_role("button", name="Claim case").click()
    expect(console.locator("#identity-lock")).to_contain_text(
        re.compile(r"Identity check locked until \d\d:\d\d \(America/Chicago\)")
    )
    console.screenshot(path=str(ARTIFACTS / "console-identity-lock.png"), full_page=True)
    console.get_by_role("button", name="Release identity check").click()
    expect(console.locator("main")).to_contain_text("Identity check released")
    expect(console.locator("#identity-lock")).to_have_count(0)

    new_session_with_loan_number()
    bot_says("what's my balance", "date of birth")
    bot_says("14/03/1985", "postal code")
    bot_says("60601", "$3,210.55")
