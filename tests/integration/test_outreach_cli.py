"""``flask outreach plan --dry-run`` and ``flask templates preview``."""

import csv
from datetime import date

from sqlalchemy import func, select

from outreach.models import BorrowerFlag, OutboxItem
from tests.support.factories import make_borrower


def test_it_shows_what_would_go_out_and_what_is_blocked_without_sending(runner, session, tmp_path):
    make_borrower(session, phone="+13125550101", loan={"days_past_due": 3})
    flagged = make_borrower(session, phone="+13125550102", loan={"days_past_due": 3})
    session.add(BorrowerFlag(borrower_id=flagged.id, flag="cease_and_desist"))
    opted = make_borrower(session, phone="+13125550103", loan={"days_past_due": 3})
    opted.contact_points[0].opted_out_at = opted.created_at
    session.commit()
    out = tmp_path / "plan.csv"
    result = runner.invoke(
        args=["outreach", "plan", "--dry-run", "--date", "2026-11-24", "--csv", str(out)]
    )
    assert result.exit_code == 0, result.output
    with out.open() as handle:
        rows = {int(r["loan_id"]): r for r in csv.DictReader(handle)}
    assert rows[1]["outcome"] in ("send", "defer") and rows[1]["channel"] == "sms"
    assert (rows[2]["outcome"], rows[2]["rule"]) == ("paused", "borrower_flag")
    assert rows[3]["outcome"] == "blocked" and "opted_out" in rows[3]["rule"]
    assert rows[3]["rule"].startswith("sms:")
    assert "+1312" not in out.read_text()  # no phone numbers in the report
    assert "dry run for 2026-11-24" in result.output
    assert session.scalar(select(func.count(OutboxItem.id))) == 0


def test_it_queues_without_dry_run_and_is_idempotent(runner, session):
    make_borrower(session, loan={"days_past_due": 3})
    first = runner.invoke(args=["outreach", "plan", "--date", date.today().isoformat()])
    second = runner.invoke(args=["outreach", "plan", "--date", date.today().isoformat()])
    assert "1 queued" in first.output and "0 queued" in second.output
    assert session.scalar(select(func.count(OutboxItem.id))) == 1


def test_it_previews_a_template_in_spanish_for_a_borrower(runner, session):
    borrower = make_borrower(session, locale="es_MX")
    result = runner.invoke(
        args=[
            "templates",
            "preview",
            "payment_overdue",
            "--channel",
            "sms",
            "--borrower",
            str(borrower.id),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Responda STOP" in result.output and "https://outreach.test/chat/?t=" in result.output
    assert "GSM-7" in result.output and "segment" in result.output


def test_it_previews_both_email_parts(runner):
    result = runner.invoke(
        args=["templates", "preview", "payment_reminder", "--channel", "email", "--locale", "en"]
    )
    assert result.exit_code == 0 and "Subject: A message from Demo Lender" in result.output
    assert "--- HTML ---" in result.output and "/unsubscribe/" in result.output


def test_it_names_an_unknown_message_or_borrower(runner, session):
    assert "no nope/sms template" in runner.invoke(args=["templates", "preview", "nope"]).output
    assert (
        "--borrower: no borrower with id 999"
        in runner.invoke(
            args=["templates", "preview", "payment_reminder", "--borrower", "999"]
        ).output
    )
