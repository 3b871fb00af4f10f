"""``flask outreach plan --dry-run`` and ``flask templates preview``."""

import csv
from pathlib import Path

from sqlalchemy import func, select

from outreach.models import BorrowerFlag, OutboxItem
from tests.support.factories import make_borrower

REPO = Path(__file__).resolve().parents[3]


def test_it_shows_what_would_go_out_and_what_is_blocked_without_sending(runner, session, tmp_path):
    make_borrower(session, phone="+13125550101", loan={"days_past_due": 3})
    flagged = make_borrower(session, phone="+13125550102", loan={"days_past_due": 3})
    session.add(BorrowerFlag(borrower_id=flagged.id, flag="cease_and_desist"))
    opted = make_borrower(session, phone="+13125550103", loan={"days_past_due": 3})
    opted.contact_points[0].opted_out_at = opted.created_at
    session.commit()
    out = tmp_path / "plan.csv"
    result = runner.invoke(
        args=["outreach", "plan", "--dry-run", "--at", "2026-11-24T16:00:00Z", "--csv", str(out)]
    )
    assert result.exit_code == 0, result.output
    with out.open() as handle:
        rows = {int(r["loan_id"]): r for r in csv.DictReader(handle)}
    assert rows[1]["outcome"] == "send" and rows[1]["channel"] == "sms"  # 10:00 in Chicago
    assert (rows[2]["outcome"], rows[2]["rule"]) == ("paused", "borrower_flag")
    assert rows[3]["outcome"] == "blocked" and "opted_out" in rows[3]["rule"]
    assert rows[3]["rule"].startswith("sms:")
    assert "+1312" not in out.read_text()  # no phone numbers in the report
    assert "dry run for 2026-11-24" in result.output
    assert session.scalar(select(func.count(OutboxItem.id))) == 0


def test_it_defers_at_night_to_the_borrowers_next_window(runner, session, tmp_path):
    make_borrower(session, loan={"days_past_due": 3})
    out = tmp_path / "plan.csv"
    # 04:00 UTC is 22:00 the evening before in Chicago: outside the 08:00-21:00 window.
    result = runner.invoke(
        args=["outreach", "plan", "--dry-run", "--at", "2026-11-25T04:00:00Z", "--csv", str(out)]
    )
    assert result.exit_code == 0, result.output
    with out.open() as handle:
        (row,) = csv.DictReader(handle)
    assert (row["outcome"], row["channel"]) == ("defer", "sms")
    assert row["next_allowed_at"] == "2026-11-25T14:00:00Z"  # 08:00 in Chicago


def test_it_refuses_an_instant_without_a_zone(runner):
    result = runner.invoke(args=["outreach", "plan", "--at", "2026-11-24T16:00:00"])
    assert result.exit_code != 0 and "--at: expected an ISO instant" in result.output


def test_it_queues_without_dry_run_and_is_idempotent(runner, session):
    make_borrower(session, loan={"days_past_due": 3})
    first = runner.invoke(args=["outreach", "plan", "--at", "2026-11-24T16:00:00Z"])
    second = runner.invoke(args=["outreach", "plan", "--at", "2026-11-24T16:05:00Z"])
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
    assert "Responda STOP" in result.output and "https://outreach.test/pay/" in result.output
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


def test_it_neutralises_formula_cells_in_the_dry_run_csv(runner, session, tmp_path, monkeypatch):
    # A lender's campaign file names the templates; a name a spreadsheet reads as a formula must
    # reach the dry-run CSV as text (security finding 11: every exported cell is neutralised).
    config = (REPO / "config" / "campaigns.yaml").read_text()
    crafted = tmp_path / "campaigns.yaml"
    crafted.write_text(config.replace("template: payment_overdue", "template: '=HYPERLINK(1)'"))
    monkeypatch.setenv("CAMPAIGNS_CONFIG", str(crafted))
    make_borrower(session, loan={"days_past_due": 3})
    out = tmp_path / "plan.csv"
    result = runner.invoke(
        args=["outreach", "plan", "--dry-run", "--at", "2026-11-24T16:00:00Z", "--csv", str(out)]
    )
    assert result.exit_code == 0, result.output
    with out.open() as handle:
        (row,) = csv.DictReader(handle)
    assert row["template"] == "'=HYPERLINK(1)"  # read as text, not run
