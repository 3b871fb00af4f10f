"""The daily export dropped back: one file per finished UTC day, each day once, with the day's
promises and plans and the day's events (named as the events contract names them)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from outreach.arrangements.agreements import record_promise
from outreach.audit import log as audit
from tests.conftest import make_settings
from tests.support.factories import make_borrower
from tests.support.file_drops import drop, payment_file


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "drop"
    path.mkdir()
    return path


@pytest.fixture
def settings(database_url, folder):
    return make_settings(database_url, FILE_DROP_URL=str(folder))


def rows(path):
    return list(csv.DictReader(io.StringIO(path.read_text())))


def test_it_exports_each_finished_day_once_with_its_arrangements_and_events(
    runner, session, folder, clock
):
    borrower = make_borrower(session, external_id="C-77")
    loan = borrower.loans[0]
    today = borrower.today(clock.now())
    ptp = record_promise(
        session, loan, today + timedelta(days=2), Decimal("50.00"), created_by="bot", today=today
    )
    audit.record(
        session,
        "system",
        "consent.opt_out",
        borrower_id=borrower.id,
        details={"channel": "whatsapp", "text": "STOP sending me this"},
    )
    session.commit()
    clock.advance(hours=1)
    paid_at = clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    drop(folder, "pay.csv", payment_file(f"{loan.loan_number},50.00,USD,{paid_at},EXP-1"))
    assert runner.invoke(args=["files", "poll"]).exit_code == 0
    day = clock.now().date()

    clock.move_to(
        datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC) + timedelta(minutes=30)
    )
    out = runner.invoke(args=["files", "export"])

    assert out.exit_code == 0, out.output
    assert out.output.strip() == f"exported {day.isoformat()}"
    path = folder / "outbox" / f"outreach-export-{day.isoformat()}.csv"
    exported = rows(path)
    promise = next(r for r in exported if r["record"] == "promise")
    assert (promise["id"], promise["status"], promise["amount"], promise["loan_number"]) == (
        str(ptp.id),
        "kept",
        "50.00",
        loan.loan_number,
    )
    assert promise["external_id"] == "C-77"
    events = [(r["type"], r["external_id"]) for r in exported if r["record"] == "event"]
    assert events == [
        ("promise.created", "C-77"),
        ("contact.opted_out", "C-77"),
        ("payment.received", "C-77"),
        ("promise.kept", "C-77"),
    ]
    payment = next(r for r in exported if r["type"] == "payment.received")
    assert (payment["amount"], payment["currency"], payment["loan_number"]) == (
        "50.00",
        "USD",
        loan.loan_number,
    )
    assert json.loads(payment["details"])["reference"] == "EXP-1"
    assert "STOP sending me this" not in path.read_text()  # never a borrower's message text

    # Run again the same night: nothing new, the file untouched.
    before = path.read_bytes()
    assert runner.invoke(args=["files", "export"]).output.strip() == "nothing to export"
    assert path.read_bytes() == before

    # The scheduler was down for three days: each missed day gets its own file, oldest first.
    clock.advance(days=3)
    out = runner.invoke(args=["files", "export"])
    missed = [(day + timedelta(days=n)).isoformat() for n in (1, 2, 3)]
    assert out.output.strip() == "exported " + ", ".join(missed)
    assert sorted(p.name for p in (folder / "outbox").iterdir()) == [
        f"outreach-export-{d}.csv" for d in [day.isoformat(), *missed]
    ]
    assert rows(folder / "outbox" / f"outreach-export-{missed[0]}.csv") == []
