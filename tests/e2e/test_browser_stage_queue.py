"""The stage queue in real Chromium: an officer cannot open or decide it; a supervisor holds one
account with a reason, approves another for legal, and generates and downloads its final demand."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from outreach.models.stages import AccountStage, Letter
from outreach.stages.evaluate import evaluate_stages
from tests.support import servers
from tests.support.browser import ARTIFACTS, csp_violations, sign_in
from tests.support.factories import make_borrower
from tests.support.letters import add_postal, pdf_text
from tests.support.officers import make_officer

pytestmark = [pytest.mark.browser]


@pytest.fixture
def live(app) -> Iterator[servers.LiveServer]:
    app.config["WTF_CSRF_ENABLED"] = True  # the real forms, tokens and all
    with servers.LiveServer(app, servers.free_port()) as server:
        yield server


def test_it_lets_a_supervisor_decide_the_pre_legal_queue_and_not_an_officer(
    browser, live, session, clock
):
    held = make_borrower(
        session,
        phone="+13125550101",
        full_name="Hana Held",
        loan={"days_past_due": 95, "loan_number": "LN-HOLD-1"},
    )
    sued = make_borrower(
        session,
        phone="+13125550102",
        full_name="Sam Sued",
        loan={"days_past_due": 120, "loan_number": "LN-SUE-2"},
    )
    add_postal(session, sued, "22 Court St, Chicago IL 60601")
    evaluate_stages(session, clock.now())
    session.commit()
    officer, supervisor = make_officer(session, "officer"), make_officer(session, "supervisor")

    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    violations = csp_violations(context)
    page = context.new_page()
    sign_in(page, live.url, officer.email)
    expect(page.get_by_role("link", name="Stage queue")).to_have_count(0)
    response = page.goto(f"{live.url}/console/stages")
    assert response is not None and response.status == 403
    expect(page.get_by_role("button", name="Approve for legal")).to_have_count(0)
    page.context.clear_cookies()

    sign_in(page, live.url, supervisor.email)
    page.get_by_role("link", name="Stage queue").click()
    queue = page.locator("#stage-queue")
    expect(queue).to_contain_text("LN-HOLD-1")
    expect(queue).to_contain_text("dpd_90")
    hold_row = page.locator(f"#stage-{held.loans[0].id}")
    hold_row.get_by_text("Hold", exact=True).first.click()
    hold_row.get_by_label("Reason to hold account LN-HOLD-1").fill(
        "Borrower in hospital, call in 2 weeks"
    )
    hold_row.get_by_role("button", name="Hold").click()
    expect(page.get_by_role("status").first).to_contain_text("Account LN-HOLD-1 held.")
    expect(page.locator(f"#stage-{held.loans[0].id}")).to_contain_text("held: Borrower in hospital")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-stage-queue.png"), full_page=True)

    page.locator(f"#stage-{sued.loans[0].id}").get_by_role(
        "button", name="Approve for legal"
    ).click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Account LN-SUE-2 approved for legal action."
    )
    expect(queue).not_to_contain_text("LN-SUE-2")

    page.goto(f"{live.url}/console/loans/{sued.loans[0].id}/stage")
    expect(page.locator("#stage-now")).to_contain_text("stage legal")
    expect(page.locator("#stage-history")).to_contain_text("pre_legal → legal by review:approve")
    page.get_by_label("Letter").select_option("final_demand")
    page.get_by_role("button", name="Generate letter").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Final demand / notice of default #1 created"
    )
    with page.expect_download() as info:
        page.get_by_role("link", name="Download PDF").click()
    data = info.value.path().read_bytes()
    page.screenshot(path=str(ARTIFACTS / "console-letter.png"), full_page=True)
    letter = session.scalars(select(Letter)).one()
    assert hashlib.sha256(data).hexdigest() == letter.sha256
    text = pdf_text(data)
    assert "Dear Sam Sued," in text and "22 Court St" in text and "120 days in arrears" in text
    session.expire_all()
    assert session.get(AccountStage, held.loans[0].id).review_status == "held"
    assert violations == []
