import csv
from pathlib import Path

from sqlalchemy import func, select

from outreach.models import Borrower, ContactPoint, Loan

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "loan-book.csv"


def example_rows():
    with EXAMPLE.open(newline="") as handle:
        return list(csv.DictReader(handle))


def counts(session):
    return tuple(session.scalar(select(func.count(m.id))) for m in (Borrower, ContactPoint, Loan))


def test_it_imports_the_example_file_and_a_rerun_changes_nothing(runner, session):
    first = runner.invoke(args=["import-loans", str(EXAMPLE)])
    assert first.exit_code == 0, first.output
    assert "5 created" in first.output
    before = counts(session)
    assert before == (5, 11, 5)
    updated_at = session.scalar(select(func.max(Loan.updated_at)))

    second = runner.invoke(args=["import-loans", str(EXAMPLE)])
    assert second.exit_code == 0, second.output
    assert "5 unchanged" in second.output
    session.expire_all()
    assert counts(session) == before
    assert session.scalar(select(func.max(Loan.updated_at))) == updated_at


def test_it_reports_bad_rows_keeps_good_ones_and_exits_non_zero(runner, session, tmp_path):
    rows = example_rows()
    rows[1]["phone"] = "call me maybe"
    rows[3]["principal"] = "ten thousand"
    path = tmp_path / "book.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=rows[0].keys())
        writer.writeheader()
        writer.writerows(rows)

    result = runner.invoke(args=["import-loans", str(path)])

    assert result.exit_code == 1
    assert "row 3: phone: not a phone number" in result.output
    assert "row 5: principal: not an amount" in result.output
    assert "3 created" in result.output and "2 rejected" in result.output
    assert session.scalar(select(func.count(Loan.id))) == 3


def test_it_rejects_a_file_missing_required_columns(runner, tmp_path):
    path = tmp_path / "book.csv"
    path.write_text("external_id,full_name\nC-1,Ana\n")
    result = runner.invoke(args=["import-loans", str(path)])
    assert result.exit_code != 0
    assert "header: missing columns: country" in result.output


def test_it_updates_a_changed_balance_on_reimport(runner, session, tmp_path):
    rows = example_rows()
    runner.invoke(args=["import-loans", str(EXAMPLE)])
    rows[0]["outstanding"] = "3000.00"
    path = tmp_path / "book.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=rows[0].keys())
        writer.writeheader()
        writer.writerows(rows)
    result = runner.invoke(args=["import-loans", str(path)])
    assert "1 updated" in result.output and "4 unchanged" in result.output
    loan = session.scalar(select(Loan).where(Loan.loan_number == "LN-100-2001"))
    assert str(loan.outstanding) == "3000.00"


def test_it_seeds_the_demo_book_once(runner, session):
    assert runner.invoke(args=["seed-demo", "--if-empty"]).exit_code == 0
    n = session.scalar(select(func.count(Borrower.id)))
    assert 45 <= n <= 60
    countries = set(session.scalars(select(Borrower.country)))
    assert countries == {"US", "IN", "PH", "GB", "KE"}
    assert {"en", "es"} <= {b.locale.split("_")[0] for b in session.scalars(select(Borrower))}
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "already present" in again.output
    assert session.scalar(select(func.count(Borrower.id))) == n
