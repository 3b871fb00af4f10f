"""File drops from a local folder: loan books and payment files processed once each, a result
file next to each, bad rows reported while good rows are kept, broken files explained."""

from __future__ import annotations

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

import scheduler as scheduler_module
from outreach.models import (
    Borrower,
    FileDrop,
    Loan,
    OutboxItem,
    Payment,
    PromiseToPay,
    ProviderPayment,
)
from tests.conftest import make_settings
from tests.support.factories import make_borrower
from tests.support.file_drops import drop, loan_book, loan_line, payment_file, result


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "drop"
    path.mkdir()
    return path


@pytest.fixture
def settings(database_url, folder):
    return make_settings(database_url, FILE_DROP_URL=str(folder))


def poll(runner):
    out = runner.invoke(args=["files", "poll"])
    assert out.exit_code == 0, out.output
    return out


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def promise(session, borrower, amount: str, clock) -> PromiseToPay:
    ptp = PromiseToPay(
        loan_id=borrower.loans[0].id,
        borrower_id=borrower.id,
        amount=Decimal(amount),
        promised_date=borrower.today(clock.now()) + timedelta(days=3),
        created_by="bot",
    )
    session.add(ptp)
    session.commit()
    return ptp


def reminder(session, borrower, amount: str) -> OutboxItem:
    item = OutboxItem(
        idempotency_key=f"cadence:{borrower.id}:1",
        borrower_id=borrower.id,
        loan_id=borrower.loans[0].id,
        channel="sms",
        address="+13125550100",
        template="reminder_due",
        body="You owe ...",
        status="pending",
        payload={"kind": "cadence", "amount": amount, "currency": "USD", "channels": ["sms"]},
    )
    session.add(item)
    session.commit()
    return item


def test_it_imports_a_dropped_loan_book_through_the_loan_import(runner, session, folder, clock):
    drop(folder, "book.csv", loan_book(loan_line(1), loan_line(2)))

    out = poll(runner)

    loans = {ln.loan_number: ln for ln in session.scalars(select(Loan))}
    assert set(loans) == {"LN-1", "LN-2"}
    assert loans["LN-1"].past_due_amount == Decimal("100.00")
    assert loans["LN-1"].borrower.external_id == "C-1"
    problems, totals = result(folder, "book.csv")
    assert problems == []
    assert totals == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0, "rejected": 0}
    assert "book.csv: loan_book, 2 rows" in out.output


def test_it_applies_a_payment_file_so_promises_are_kept_and_reminders_stop(
    runner, session, folder, clock
):
    borrower = make_borrower(session)
    loan_number = borrower.loans[0].loan_number
    ptp = promise(session, borrower, "100.00", clock)
    item = reminder(session, borrower, "100.00")
    clock.advance(hours=1)
    paid_at = clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    drop(folder, "payments.csv", payment_file(f"{loan_number},100.00,USD,{paid_at},BANK-0001"))

    poll(runner)

    stored = session.scalars(select(ProviderPayment)).all()
    assert [(p.provider, p.reference, p.status, p.amount) for p in stored] == [
        ("file", "BANK-0001", "applied", Decimal("100.00"))
    ]
    session.expire_all()
    assert session.get(PromiseToPay, ptp.id).status == "kept"
    assert session.get(OutboxItem, item.id).status == "cancelled"
    assert result(folder, "payments.csv") == (
        [],
        {"rows": 1, "applied": 1, "duplicate": 0, "review": 0, "rejected": 0},
    )


def test_it_processes_each_content_once_and_a_changed_file_again(runner, session, folder, clock):
    borrower = make_borrower(session)
    loan_number = borrower.loans[0].loan_number
    paid_at = clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    first = payment_file(f"{loan_number},10.00,USD,{paid_at},REF-1")
    drop(folder, "monday.csv", first)
    poll(runner)
    before = (folder / "monday.result.csv").read_bytes()

    # The same bytes renamed, and the same file uploaded again (a new modification time).
    drop(folder, "monday-copy.csv", first)
    path = folder / "monday.csv"
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 60))
    out = poll(runner)

    assert count(session, ProviderPayment) == 1
    assert (folder / "monday.result.csv").read_bytes() == before  # keeps its first result
    problems, totals = result(folder, "monday-copy.csv")
    assert problems == [("", "file", problems[0][2])]
    assert problems[0][2].startswith("skipped: the same content as monday.csv, processed ")
    assert totals == {"rows": 0}
    assert "monday-copy.csv: duplicate" in out.output

    # A third poll reads nothing again; then the lender appends a row: the new content counts.
    assert "no new files (2 already handled)" in poll(runner).output
    drop(folder, "monday.csv", first + f"{loan_number},15.00,USD,{paid_at},REF-2\n")
    poll(runner)

    refs = sorted(session.scalars(select(ProviderPayment.reference)))
    assert refs == ["REF-1", "REF-2"]
    assert result(folder, "monday.csv")[1] == {
        "rows": 2,
        "applied": 1,
        "duplicate": 1,
        "review": 0,
        "rejected": 0,
    }


def test_it_keeps_the_good_rows_and_names_each_bad_row_and_field(runner, session, folder, clock):
    borrower = make_borrower(session)
    loan_number = borrower.loans[0].loan_number
    paid_at = clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    drop(
        folder,
        "book.csv",
        loan_book(loan_line(1), loan_line(2, phone="12"), loan_line(3, currency="XXX")),
    )
    drop(
        folder,
        "pay.csv",
        payment_file(
            f"{loan_number},12.50,USD,{paid_at},OK-1",
            f"{loan_number},12.5x,USD,{paid_at},BAD-1",
            f"NO-SUCH-LOAN,20.00,USD,{paid_at},PARK-1",
            f"{loan_number},5.00,USD,2026-13-01,BAD-2",
        ),
    )

    poll(runner)

    assert sorted(session.scalars(select(Loan.loan_number))) == sorted(["LN-1", loan_number])
    problems, totals = result(folder, "book.csv")
    assert [(row, field) for row, field, _ in problems] == [("3", "phone"), ("4", "currency")]
    assert problems[0][2] == "not a valid phone number: '12'"
    assert totals["created"] == 1 and totals["rejected"] == 2
    problems, totals = result(folder, "pay.csv")
    assert [(row, field) for row, field, _ in problems] == [
        ("3", "amount"),
        ("4", "loan_number"),
        ("5", "paid_at"),
    ]
    assert problems[1][2] == "kept for review: no loan with this number"
    assert totals == {"rows": 4, "applied": 1, "duplicate": 0, "review": 1, "rejected": 2}
    applied = session.scalars(select(Payment.reference)).all()
    assert applied == ["file:OK-1"]


def test_it_explains_a_broken_file_in_its_result_and_imports_nothing(runner, session, folder):
    drop(folder, "latin1.csv", loan_book(loan_line(1, full_name="José")).encode("latin-1"))
    drop(folder, "sheet.csv", "name,amount\nAna,10\n")
    drop(folder, "empty.csv", "")
    (folder / ".half-uploaded.csv").write_text(loan_book(loan_line(9)))
    (folder / "still-coming.csv.part").write_text(loan_book(loan_line(9)))

    poll(runner)

    assert count(session, Borrower) == 0
    problems, totals = result(folder, "latin1.csv")
    assert problems[0][:2] == ("", "file")
    assert problems[0][2].startswith("latin1.csv: not UTF-8 text: byte offset")
    assert totals == {"rows": 0}
    for name in ("sheet.csv", "empty.csv"):
        problems, _ = result(folder, name)
        assert problems[0][:2] == ("1", "header")
        assert "neither a loan book nor a payment file" in problems[0][2]
    assert not (folder / ".half-uploaded.result.csv").exists()
    assert not (folder / "still-coming.csv.result.csv").exists()
    kinds = sorted(session.scalars(select(FileDrop.kind)))
    assert kinds == ["broken", "broken", "broken"]


def test_it_runs_as_the_schedulers_file_drop_job(settings, session, folder, clock, app):
    drop(folder, "book.csv", loan_book(loan_line(7)))

    scheduler_module.JOBS["file_drops"](settings, clock.now())

    assert session.scalar(select(Loan.loan_number)) == "LN-7"
    assert result(folder, "book.csv")[1]["created"] == 1


def test_it_takes_the_documented_example_files(runner, session, folder, clock):
    examples = Path(__file__).resolve().parents[3] / "examples"
    drop(folder, "loan-book.csv", (examples / "loan-book.csv").read_text())
    poll(runner)
    drop(folder, "payments.csv", (examples / "payments.csv").read_text())

    poll(runner)

    assert result(folder, "loan-book.csv")[1]["rejected"] == 0
    assert result(folder, "payments.csv") == (
        [],
        {"rows": 3, "applied": 3, "duplicate": 0, "review": 0, "rejected": 0},
    )
