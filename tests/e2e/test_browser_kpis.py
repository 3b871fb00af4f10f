"""Officer and portfolio KPIs in real Chromium: an officer sees only their own figures, a
supervisor sees the team and the portfolio with charts and downloads the weekly report."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from outreach import clock as app_clock
from outreach.models import Conversation, HandoffCase, Loan, LoanSnapshot, Message, Payment
from tests.support import servers
from tests.support.browser import ARTIFACTS, csp_violations, sign_in
from tests.support.factories import make_borrower
from tests.support.officers import make_officer

pytestmark = [pytest.mark.browser]


@pytest.fixture
def live(app) -> Iterator[servers.LiveServer]:
    app.config["WTF_CSRF_ENABLED"] = True
    with servers.LiveServer(app, servers.free_port()) as server:
        yield server


def seed(session):
    now = app_clock.now()
    today = now.date()
    mine = make_officer(session, "officer")
    other = make_officer(session, "officer", email="other@lender.test")
    other.name = "Oscar Other"
    boss = make_officer(session, "supervisor")
    ana = make_borrower(session, full_name="Ana Garcia", loan={"days_past_due": 40})
    loan = session.scalar(select(Loan).where(Loan.borrower_id == ana.id))
    last_month_end = today.replace(day=1) - timedelta(days=1)
    month_before_end = last_month_end.replace(day=1) - timedelta(days=1)
    for day, dpd in ((month_before_end, 0), (last_month_end, 10), (today, 40)):
        session.add(
            LoanSnapshot(
                day=day,
                loan_id=loan.id,
                days_past_due=dpd,
                outstanding=Decimal("1000.00"),
                past_due_amount=Decimal("200.00"),
                status="delinquent" if dpd else "current",
                currency="USD",
                taken_at=datetime.combine(day, time(), UTC),
            )
        )
    conv = Conversation(channel="sms", address="+13125550100", borrower_id=ana.id, status="closed")
    session.add(conv)
    session.flush()
    opened = now - timedelta(days=3)
    session.add_all(
        [
            HandoffCase(
                conversation_id=conv.id,
                borrower_id=ana.id,
                reason="human",
                status="closed",
                opened_at=opened,
                claimed_by_id=mine.id,
                claimed_at=opened + timedelta(minutes=5),
                closed_at=opened + timedelta(hours=2),
            ),
            Message(
                conversation_id=conv.id,
                borrower_id=ana.id,
                direction="out",
                channel="sms",
                address=conv.address,
                sender="officer",
                initiated_by="borrower",
                officer_id=mine.id,
                body="Hello",
                status="delivered",
                created_at=opened + timedelta(minutes=15),
            ),
            Payment(loan_id=loan.id, amount=Decimal("75.00"), paid_at=opened + timedelta(days=1)),
        ]
    )
    session.commit()
    return mine, boss


def test_it_shows_officer_and_portfolio_kpis_by_role(browser, live, session):
    mine, boss = seed(session)
    context = browser.new_context(accept_downloads=True)
    violations = csp_violations(context)
    page = context.new_page()
    sign_in(page, live.url, mine.email)
    page.get_by_role("link", name="My KPIs").click()
    rows = page.locator("#officer-kpis tbody tr")
    expect(rows).to_have_count(1)  # their own row only, never a colleague's
    expect(rows.first).to_contain_text("Officer")
    expect(rows.first).to_contain_text("75.00")  # recovered after their message
    expect(page.get_by_text("Oscar Other")).to_have_count(0)
    expect(page.locator("#chart-officer-own")).to_have_attribute("data-rendered", "true")
    expect(page.get_by_role("link", name="Portfolio")).to_have_count(0)
    page.goto(live.url + "/kpis/portfolio")
    expect(page.get_by_text("Forbidden")).to_be_visible()
    context.close()

    context = browser.new_context(accept_downloads=True)
    csp_violations(context, violations)
    page = context.new_page()
    sign_in(page, live.url, boss.email)
    page.get_by_role("link", name="Officer KPIs").click()
    expect(page.locator("#team-cases")).to_have_text("1")
    expect(page.locator("#officer-kpis tbody tr")).to_have_count(3)
    for chart in ("chart-officer-work", "chart-officer-recovered", "chart-officer-response"):
        expect(page.locator(f"#{chart}")).to_have_attribute("data-rendered", "true")
    page.get_by_role("link", name="Portfolio").click()
    expect(page.locator("#kpi-par30")).to_have_text("100.0%")  # 40 days past due today
    expect(page.locator(".roll-table").first).to_be_visible()
    for chart in ("chart-buckets", "chart-rolls", "chart-cost"):
        expect(page.locator(f"#{chart}")).to_have_attribute("data-rendered", "true")
        assert page.evaluate(f"!!window.Chart.getChart(document.getElementById('{chart}'))")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "portfolio-kpis.png"), full_page=True)
    with page.expect_download() as info:
        page.locator("#report-pdf").click()
    with open(info.value.path(), "rb") as handle:
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(handle.read())).pages)
    assert "Weekly collections report" in text and "PAR30 USD" in text
    assert violations == []
