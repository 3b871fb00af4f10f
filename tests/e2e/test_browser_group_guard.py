"""In real Chromium: an officer's reply naming another member of the borrower's group is
refused with a clear error and nothing is sent (issue 20); a reply about the borrower's own
loan goes out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from outreach.models import GroupMember, LoanGroup, Message
from tests.support import servers
from tests.support.browser import sign_in
from tests.support.cases import handed_off
from tests.support.factories import make_borrower
from tests.support.officers import make_officer

pytestmark = [pytest.mark.browser]


@pytest.fixture
def live(app) -> Iterator[servers.LiveServer]:
    app.config["WTF_CSRF_ENABLED"] = True  # the real forms, tokens and all
    with servers.LiveServer(app, servers.free_port()) as server:
        yield server


def test_the_console_refuses_a_reply_naming_another_group_member(
    browser, live, session, settings, clock
):
    case = handed_off(session, settings)
    rosa = make_borrower(session, phone="+13125550177", external_id="B-rosa", full_name="Rosa Diaz")
    group = LoanGroup(external_id="G-1", name="Upendo")
    session.add(group)
    session.flush()
    session.add_all(
        [
            GroupMember(group_id=group.id, borrower_id=case.borrower_id),
            GroupMember(group_id=group.id, borrower_id=rosa.id),
        ]
    )
    session.commit()
    officer = make_officer(session)

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, live.url, officer.email)
    page.goto(f"{live.url}/console/cases/{case.id}")
    page.locator("#claim").click()
    page.get_by_label("Reply by sms").fill("Rosa Diaz has paid already, why not you?")
    page.locator("#send").click()
    expect(page.get_by_text("body: names another member")).to_be_visible()
    session.expire_all()
    assert session.scalar(select(Message).where(Message.sender == "officer")) is None

    page.get_by_label("Reply by sms").fill("Hello Ana, your own loan has 420.00 past due.")
    page.locator("#send").click()
    expect(page.get_by_text("Hello Ana, your own loan")).to_be_visible()
    context.close()
