"""An auditor in real Chromium: search, timeline, export download, KPI dashboard with charts."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from outreach import clock as app_clock
from outreach.audit import log as audit
from outreach.models import (
    Conversation,
    HandoffCase,
    Loan,
    Message,
    PaymentPlan,
    PromiseToPay,
)
from tests.support import servers
from tests.support.browser import ARTIFACTS, csp_violations, sign_in
from tests.support.factories import make_borrower
from tests.support.officers import make_officer

pytestmark = [pytest.mark.browser]


@pytest.fixture
def live(app) -> Iterator[servers.LiveServer]:
    app.config["WTF_CSRF_ENABLED"] = True  # the real forms, tokens and all
    with servers.LiveServer(app, servers.free_port()) as server:
        yield server


def seed(session) -> None:
    now = app_clock.now() - timedelta(hours=1)
    ana = make_borrower(session, full_name="Ana <b>Garcia</b>")
    loan = session.scalar(select(Loan).where(Loan.borrower_id == ana.id))
    conv = Conversation(channel="sms", address="+13125550100", borrower_id=ana.id)
    session.add(conv)
    session.flush()
    decision = {"allowed": True, "reasons": [], "rules_version": "US-IL@2026.1"}
    session.add_all(
        [
            Message(
                borrower_id=ana.id,
                direction="out",
                channel="sms",
                address="+13125550100",
                sender="scheduler",
                initiated_by="lender",
                template="payment_reminder",
                body="Your payment is due",
                status="delivered",
                decision=decision,
                created_at=now - timedelta(days=2),
            ),
            Message(
                borrower_id=ana.id,
                direction="out",
                channel="sms",
                address="+13125550100",
                sender="scheduler",
                initiated_by="lender",
                template="payment_reminder",
                body="Second reminder",
                status="blocked",
                created_at=now - timedelta(days=1),
                decision={
                    "allowed": False,
                    "reasons": ["contact_window"],
                    "rules_version": "US-IL@2026.1",
                },
            ),
            Message(
                borrower_id=ana.id,
                conversation_id=conv.id,
                direction="in",
                channel="sms",
                address="+13125550100",
                sender="borrower",
                body="Stop texting me",
                status="received",
                created_at=now,
            ),
            HandoffCase(
                conversation_id=conv.id,
                borrower_id=ana.id,
                reason="human",
                opened_at=now,
                status="open",
            ),
            PromiseToPay(
                loan_id=loan.id,
                borrower_id=ana.id,
                amount=Decimal("120.00"),
                promised_date=now.date() + timedelta(days=5),
                created_by="bot",
                created_at=now,
            ),
            PaymentPlan(
                loan_id=loan.id,
                borrower_id=ana.id,
                status="current",
                instalment_amount=Decimal("100.00"),
                instalment_count=4,
                frequency="monthly",
                start_date=now.date(),
                first_amount=Decimal("100.00"),
                total=Decimal("400.00"),
                created_by="bot",
                created_at=now,
                accepted_at=now,
            ),
        ]
    )
    audit.record(
        session,
        "borrower",
        "consent.opt_out",
        borrower_id=ana.id,
        details={"channel": "sms", "text": "Stop texting me"},
    )
    session.commit()


def test_it_searches_exports_and_shows_the_timeline_and_dashboard(browser, live, session):
    seed(session)
    auditor = make_officer(session, "auditor")
    context = browser.new_context(accept_downloads=True)
    violations = csp_violations(context)  # every page works under the CSP (finding 24)
    page = context.new_page()
    sign_in(page, live.url, auditor.email)
    expect(page.locator("#chain-status")).to_contain_text("Audit chain intact")

    page.get_by_role("link", name="Search messages").click()
    page.get_by_label("Borrower").fill("Ana")
    page.get_by_label("Decision").select_option("blocked")
    page.get_by_role("button", name="Search").click()
    results = page.locator("#results tbody tr")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("blocked: contact_window")
    expect(results.first).to_contain_text("Ana <b>Garcia</b>")  # shown as text, not markup

    with page.expect_download() as info:
        page.locator("#export-csv").click()
    download = info.value
    assert download.suggested_filename.startswith("messages-")
    text = Path(download.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["body"] for r in rows] == ["Second reminder"]
    assert rows[0]["reasons"] == "contact_window" and rows[0]["rules_version"] == "US-IL@2026.1"

    results.first.get_by_role("link", name="Ana <b>Garcia</b>").click()
    timeline = page.locator("#audit-messages")
    expect(timeline).to_contain_text("consent.opt_out by borrower")
    expect(timeline).to_contain_text("Stop texting me")
    expect(timeline).to_contain_text("US-IL@2026.1")
    expect(timeline).to_contain_text("handoff case")
    expect(timeline).to_contain_text("promise #")
    expect(timeline).to_contain_text("accepted")
    with page.expect_download() as info:
        page.locator("#subject-access").click()
    assert info.value.suggested_filename.startswith("subject-access-")

    page.get_by_role("link", name="KPIs").click()
    expect(page.locator("#kpi-sent")).to_have_text("1")
    for chart in (
        "chart-daily",
        "chart-channels",
        "chart-blocked",
        "chart-arrangements",
        "chart-collected-provider",
        "chart-collected-channel",
        "chart-reminder-wait",
        "chart-settlements",
        "chart-settlements-decided",
    ):
        expect(page.locator(f"#{chart}")).to_have_attribute("data-rendered", "true")
        assert page.evaluate(f"!!window.Chart.getChart(document.getElementById('{chart}'))")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "audit-kpis.png"), full_page=True)
    assert violations == []
