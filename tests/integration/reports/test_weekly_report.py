"""The weekly report: mailed by the scheduler job to a real SMTP server (aiosmtpd) with a PDF
and a CSV attached, once a week, to active supervisors only."""

from __future__ import annotations

import csv
import email
import email.policy
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from aiosmtpd.controller import Controller
from pypdf import PdfReader

import scheduler as scheduler_module
from outreach.audit.kpi_config import parse
from outreach.models import Loan, LoanSnapshot, Payment
from outreach.reports.weekly import week_of
from tests.conftest import make_settings
from tests.support import servers
from tests.support.factories import make_borrower
from tests.support.officers import make_officer

MONDAY = datetime(2026, 3, 9, 7, 0, tzinfo=UTC)  # the report covers 2 to 8 March


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=servers.free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


@pytest.fixture
def mail_settings(database_url, smtp):
    return make_settings(
        database_url,
        SMTP_URL=f"smtp://127.0.0.1:{smtp[1]}?starttls=off",
        MAIL_FROM="Demo Lender <reports@lender.example>",
    )


@pytest.fixture
def week(session):
    boss = make_officer(session, "supervisor")
    gone = make_officer(session, "supervisor", email="former@lender.test")
    gone.active = False
    make_officer(session, "officer")
    borrower = make_borrower(session, phone="+13125550160", external_id="W")
    loan = session.query(Loan).filter_by(borrower_id=borrower.id).one()
    for day, dpd in ((date(2026, 3, 1), 20), (date(2026, 3, 8), 45)):
        session.add(
            LoanSnapshot(
                day=day,
                loan_id=loan.id,
                days_past_due=dpd,
                outstanding=Decimal("1000.00"),
                past_due_amount=Decimal("400.00"),
                status="delinquent",
                currency="USD",
                taken_at=datetime.combine(day, datetime.min.time(), UTC),
            )
        )
    session.add(Payment(loan_id=loan.id, amount=Decimal("100.00"), paid_at=MONDAY.replace(day=4)))
    session.commit()
    return boss


def test_it_mails_the_pdf_and_csv_to_active_supervisors_once(smtp, mail_settings, week):
    inbox, _ = smtp
    scheduler_module.weekly_report(mail_settings, MONDAY)
    ((rcpts, raw),) = inbox.messages
    assert rcpts == [week.email]  # the inactive supervisor and the officer get nothing
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] == "Weekly collections report 2026-03-02"
    files = {part.get_filename(): part.get_content() for part in msg.iter_attachments()}
    assert set(files) == {
        "portfolio-2026-03-02-2026-03-08.pdf",
        "portfolio-2026-03-02-2026-03-08.csv",
    }
    text = "".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(files["portfolio-2026-03-02-2026-03-08.pdf"])).pages
    )
    assert "Weekly collections report" in text and "2026-03-02 to 2026-03-08" in text
    # Opening 1 March (20 days), closing 8 March (45 days): all of the 1000.00 is over 30 days.
    assert "PAR30 USD" in text and "100.0%" in text and "Team" in text
    rows = list(csv.reader(io.StringIO(files["portfolio-2026-03-02-2026-03-08.csv"])))
    assert rows[0] == ["section", "item", "figure", "detail"]
    figures = {(r[0], r[1]): (r[2], r[3]) for r in rows[1:]}
    assert figures[("portfolio", "PAR30 USD")] == ("100.0%", "1000.00")
    assert figures[("portfolio", "recovery rate USD")] == ("25.0%", "100.00/400.00")
    assert figures[("buckets", "31-60")] == ("1", "")
    # The same week again (a restart, the next hourly run): nothing more is sent.
    scheduler_module.weekly_report(mail_settings, MONDAY.replace(hour=9))
    assert len(inbox.messages) == 1


def test_it_picks_the_week_the_report_covers():
    config = parse({"weekly_report": {"weekday": 0, "hour": 6}})
    assert week_of(MONDAY, config) == (date(2026, 3, 2), date(2026, 3, 8))
    # Before 06:00 on Monday the latest report due is last week's.
    assert week_of(MONDAY.replace(hour=5), config) == (date(2026, 2, 23), date(2026, 3, 1))
    assert week_of(datetime(2026, 3, 12, 23, tzinfo=UTC), config) == (
        date(2026, 3, 2),
        date(2026, 3, 8),
    )
