"""In real Chromium: an officer proposes a settlement above the officer tier on a case, it goes
to a supervisor, who sees it in the queue and approves it on the case (CSRF and all)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from outreach.models import Resolution
from tests.support import servers
from tests.support.browser import ARTIFACTS, csp_violations, sign_in
from tests.support.cases import handed_off
from tests.support.officers import make_officer

pytestmark = [pytest.mark.browser]


@pytest.fixture
def live(app) -> Iterator[servers.LiveServer]:
    app.config["WTF_CSRF_ENABLED"] = True  # the real forms, tokens and all
    with servers.LiveServer(app, servers.free_port()) as server:
        yield server


def test_a_settlement_above_the_officer_tier_is_approved_by_a_supervisor(
    browser, live, session, settings, clock
):
    case = handed_off(session, settings)
    case.borrower.loans[0].days_past_due = 60  # mid bucket: officers to 20 % off, supervisors 30 %
    session.commit()
    officer, supervisor = make_officer(session), make_officer(session, "supervisor")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    violations = csp_violations(context)
    page = context.new_page()

    sign_in(page, live.url, officer.email)
    page.goto(f"{live.url}/console/cases/{case.id}")
    page.get_by_role("button", name="Claim case").click()
    page.get_by_text("Propose a settlement, holiday or waiver").click()
    page.get_by_label("Kind").select_option("settlement")
    page.get_by_label("Amount (settlement or waiver)").fill("2300.00")
    page.get_by_role("button", name="Propose terms").click()
    expect(page.get_by_role("status").first).to_contain_text("sent to a supervisor")
    row = page.locator("#resolutions .resolution").first
    expect(row).to_contain_text("requested")
    expect(row).to_contain_text("needs supervisor")
    expect(row.get_by_role("button", name="Approve request")).to_have_count(0)  # not an officer's
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live.url, supervisor.email)
    page.goto(f"{live.url}/console/")
    expect(page.locator("#resolution-requests")).to_contain_text("settlement 2,300.00 USD")
    page.locator("#resolution-requests").get_by_role("link", name=f"Case #{case.id}").click()
    page.locator("#resolutions").get_by_role("button", name="Approve request").click()
    expect(page.get_by_role("status").first).to_contain_text("accepted")
    expect(page.locator("#resolutions .resolution").first).to_contain_text(
        f"decided by supervisor:{supervisor.id}"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-settlement-approval.png"), full_page=True)
    session.expire_all()
    assert session.scalar(select(Resolution.status)) == "accepted"
    assert violations == []
