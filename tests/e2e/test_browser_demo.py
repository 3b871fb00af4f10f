"""The demo path a person follows after `make run`, in real Chromium (Debian's) via Playwright.

A reminder arrives on the sandbox phone, the borrower asks for the balance, confirms the date of
birth, gets the balance, asks for a human; an officer takes the case and answers; the borrower
sees the answer; an auditor sees all of it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.support import servers
from tests.support.browser import ARTIFACTS, csp_violations, sign_in
from tests.support.factories import make_borrower
from tests.support.officers import make_officer
from tests.support.reminders import INSIDE, remind

pytestmark = [pytest.mark.rasa, pytest.mark.browser]


@pytest.fixture
def live(bot_app) -> Iterator[servers.LiveServer]:
    bot_app.config["WTF_CSRF_ENABLED"] = True  # the real forms, tokens and all
    with servers.LiveServer(bot_app, servers.free_port()) as server:
        yield server


def test_it_walks_the_demo_path_in_a_browser(browser, live, bot_settings, bot_session):
    session = bot_session
    borrower = make_borrower(session, full_name="Ana <b>Garcia</b>")
    officer = make_officer(session)
    auditor = make_officer(session, "auditor")
    remind(session, bot_settings, INSIDE)

    phone = browser.new_page(viewport={"width": 390, "height": 800})
    violations = csp_violations(phone.context)  # every page works under the CSP (finding 24)
    phone.goto(live.url + "/sandbox/")
    phone.get_by_role("link", name="Ana <b>Garcia</b>").click()
    messages = phone.locator("#messages")
    expect(messages).to_contain_text("a payment on your account is due")

    def send(text: str, expect_text: str) -> None:
        phone.get_by_label("Answer as the borrower").fill(text)
        phone.get_by_role("button", name="Send").click()
        expect(messages).to_contain_text(expect_text, timeout=20_000)

    send("whats my balance", "date of birth")
    send("14/03/1985", "last 4 digits")  # the identity check's second factor
    send("1234", "$3,210.55")
    send("I want to speak to an agent", "officer will answer")
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "sandbox-phone.png"), full_page=True)

    console_context = browser.new_context()
    csp_violations(console_context, violations)
    console = console_context.new_page()
    sign_in(console, live.url, officer.email)
    expect(console.locator("#queue")).to_contain_text("Ana <b>Garcia</b>")
    console.locator("#queue a").first.click()
    console.get_by_role("button", name="Claim case").click()
    console.get_by_label("Reply by sms").fill("Hi Ana, Olivia here. How can I help?")
    console.get_by_role("button", name="Send").click()
    expect(console.locator("#messages")).to_contain_text("Olivia here")
    console.screenshot(path=str(ARTIFACTS / "console-case.png"), full_page=True)

    # The sandbox phone picks the officer's answer up without a reload (polls every 2 s).
    expect(messages).to_contain_text("Olivia here", timeout=5_000)

    audit_context = browser.new_context()
    csp_violations(audit_context, violations)
    audit = audit_context.new_page()
    sign_in(audit, live.url, auditor.email)
    audit.goto(f"{live.url}/audit/borrowers/{borrower.id}")
    table = audit.locator("#audit-messages")
    for text in ("a payment on your account is due", "whats my balance", "Olivia here"):
        expect(table).to_contain_text(text)
    assert audit.locator("#audit-messages b").count() == 0  # borrower text is escaped
    assert violations == []
