"""Paying a demo borrower's arrears from the sandbox phone, in real Chromium via Playwright.

The sandbox list says who is reachable and has unread messages; a reminder reaches the phone; the
borrower promises to pay through the bot (the real Rasa server and action server); the day
before the promised date the promise reminder is queued but held by quiet hours, and the list
says until when; the borrower follows the payment link in the reminder, pays on the sandbox
payment page, and the
receipt appears on the phone; a supervisor sees the promise kept on the case, and the queued
reminder stopped by the payment in the borrower's timeline.

The action server keeps the real clock (it is another process): the app's clock is held at 10:00
on the borrower's real date for the first reminder, runs on the real clock while the borrower
talks to the bot (a verification is fresh only while the two clocks agree), and is then held on
the eve of the date the bot recorded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from outreach import clock as app_clock
from outreach import create_app
from outreach.models import OutboxItem, PromiseToPay
from tests.conftest import make_settings, wipe
from tests.support import servers
from tests.support.browser import ARTIFACTS, csp_violations, sign_in
from tests.support.clock import MovableClock
from tests.support.factories import make_borrower
from tests.support.officers import make_officer
from tests.support.reminders import remind

pytestmark = [pytest.mark.rasa, pytest.mark.browser]
CHICAGO = ZoneInfo("America/Chicago")  # the borrower's zone (ZIP 60601, a 312 number)


def chicago(day, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=CHICAGO).astimezone(UTC)


@pytest.fixture
def held_clock() -> Iterator[MovableClock]:
    """The app's clock at 10:00 in Chicago on the real Chicago date (the action server's)."""
    real_day = app_clock.now().astimezone(CHICAGO).date()
    held = MovableClock(chicago(real_day, 10))
    app_clock.freeze(held)
    try:
        yield held
    finally:
        app_clock.freeze(None)


@pytest.fixture
def demo(database_url, rasa_stack, held_clock):
    """The app served on a port of its own, its public URL that port (payment links open)."""
    wipe(database_url)
    port = servers.free_port()
    settings = make_settings(database_url, PUBLIC_BASE_URL=f"http://127.0.0.1:{port}", **rasa_stack)
    app = create_app(settings)
    app.config["TESTING"] = True  # CSRF stays on: the real forms, tokens and all
    with servers.LiveServer(app, port) as live, app.extensions["sessions"]() as session:
        yield live, settings, session


def phone_row(page: Page, name: str, channel: str = "sms"):
    return page.locator("#phones tbody tr").filter(has_text=name).filter(has_text=channel)


def test_it_pays_a_demo_borrowers_promise_from_the_sandbox_phone(browser, demo, held_clock):
    live, settings, session = demo
    borrower = make_borrower(session, full_name="Ana <i>Garcia</i>")
    supervisor = make_officer(session, "supervisor")

    phone = browser.new_page(viewport={"width": 390, "height": 800})
    violations = csp_violations(phone.context)
    phone.goto(live.url + "/sandbox/")
    row = phone_row(phone, "Ana <i>Garcia</i>")
    expect(row.locator(".local-time")).to_have_text(re.compile(r"^\w{3} 10:00 America/Chicago$"))
    expect(row.locator(".next-reminder")).to_have_text("reachable now")
    expect(row.locator(".unread")).to_have_text("0")

    remind(session, settings, held_clock.now())  # the scheduler's pass: the reminder goes out
    phone.reload()
    expect(row.locator(".unread")).to_have_text("1")
    row.get_by_role("link", name="Ana <i>Garcia</i>").click()
    messages = phone.locator("#messages")
    expect(messages).to_contain_text("a payment on your account is due")

    def send(text: str, expect_text: str) -> None:
        phone.get_by_label("Answer as the borrower").fill(text)
        phone.get_by_role("button", name="Send").click()
        expect(messages).to_contain_text(expect_text, timeout=20_000)

    app_clock.freeze(None)  # the bot's part: the action server's clock and the app's agree
    send("i'll pay in 3 days", "date of birth")
    send("14/03/1985", "last 4 digits")
    send("1234", "How much will you pay")
    send("all of it", "So you'll pay $420.00")
    send("YES", "Noted: you'll pay $420.00")
    session.expire_all()
    promise = session.scalars(select(PromiseToPay)).one()

    # The eve of the promised date, at 22:00 in Chicago: the promise reminder is due but the
    # contact window has closed, so the dispatcher holds it until 08:00.
    held_clock.move_to(chicago(promise.promised_date - timedelta(days=1), 22))
    app_clock.freeze(held_clock)
    remind(session, settings, held_clock.now())
    phone.goto(live.url + "/sandbox/")
    expect(row.locator(".next-reminder")).to_contain_text(
        "tomorrow 08:00 (quiet hours until 08:00 local)"
    )
    expect(row.locator(".queued")).to_have_text("promise_reminder queued for tomorrow 08:00")
    expect(row.locator(".unread")).to_have_text("0")  # everything so far was read on the phone
    phone.get_by_role("link", name="Only the 0 reachable now").click()
    expect(phone.locator("#phones tbody")).to_contain_text("No phone is reachable now")
    phone.get_by_role("link", name="All 1 phone").click()

    row.get_by_role("link", name="Ana <i>Garcia</i>").click()
    expect(phone.locator("#reachability")).to_contain_text("promise_reminder queued")
    # The payment link in the first reminder (valid for a week) leads to the sandbox page.
    reminder = messages.locator(".bubble.out").first
    reminder.locator("a[href*='/pay/']").click()
    expect(phone).to_have_url(re.compile(r"/sandbox/pay/"))
    expect(phone.locator("#arrears")).to_have_text("$420.00")
    expect(phone.get_by_label("Amount (USD)")).to_have_value("420.00")
    phone.get_by_role("button", name="Pay").click()
    expect(phone.locator("#paid")).to_contain_text("We received your payment of $420.00")

    phone.goto(live.url + "/sandbox/")
    expect(row.locator(".unread")).to_have_text("1")  # the receipt
    expect(row.locator(".queued")).to_have_count(0)  # the held reminder is gone
    row.get_by_role("link", name="Ana <i>Garcia</i>").click()
    receipt = messages.locator(".bubble.out").last
    expect(receipt).to_contain_text("we received your payment of $420.00 on loan ****1234")
    expect(receipt).to_contain_text("payments")  # the sender
    send("I want to speak to an agent", "officer will answer")
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "sandbox-phone-paid.png"), full_page=True)

    item = session.scalars(select(OutboxItem).where(OutboxItem.step == "promise")).one()
    session.refresh(item)
    assert (item.status, item.last_error) == ("cancelled", "payment_received")

    console_context = browser.new_context()
    csp_violations(console_context, violations)
    console = console_context.new_page()
    sign_in(console, live.url, supervisor.email)
    expect(console.locator("#queue")).to_contain_text("Ana <i>Garcia</i>")
    console.locator("#queue a").first.click()
    expect(console.locator("#arrangements-panel")).to_contain_text("Promise kept: 420.00")
    console.goto(f"{live.url}/audit/borrowers/{borrower.id}")
    timeline = console.locator("#audit-messages")
    expect(timeline).to_contain_text(f"promise #{promise.id} kept")
    expect(timeline).to_contain_text("outbox.stopped by payments:sandbox")
    expect(timeline).to_contain_text("payment_received")
    console.screenshot(path=str(ARTIFACTS / "console-promise-kept.png"), full_page=True)
    assert console.locator("#audit-messages i").count() == 0  # borrower text is escaped
    assert violations == []
