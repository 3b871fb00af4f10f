import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from outreach.models import Borrower, ContactPoint, Loan, LoanSnapshot, RiskScore

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "loan-book.csv"


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
    assert before == (5, 13, 5)  # 11 phone and email contact points, 2 postal addresses
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
    # History for the KPI pages (a snapshot per loan per day) and a risk model trained on it.
    assert session.scalar(select(func.count(LoanSnapshot.id))) == n * 151
    assert session.scalar(select(func.count(RiskScore.id))) >= 40
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "already present" in again.output
    assert session.scalar(select(func.count(Borrower.id))) == n


def write_book(path, rows, encoding="utf-8"):
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.DictWriter(handle, fieldnames=rows[0].keys())
        writer.writeheader()
        writer.writerows(rows)
    return path


def owner_of(session, loan_number):
    session.expire_all()
    loan = session.scalar(select(Loan).where(Loan.loan_number == loan_number))
    return loan.borrower.external_id


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("principal", "NaN", "principal: not an amount"),
        ("principal", "sNaN", "principal: not an amount"),
        ("outstanding", "1e30", "outstanding: not an amount"),
        ("days_past_due", "²", "days_past_due: expected a whole number of days"),
        ("country", "ZZ", "country: expected an ISO 3166 two-letter code"),
        ("currency", "XXX", "currency: not an ISO 4217 currency in use"),
        ("date_of_birth", "2999-01-01", "date_of_birth: must be between 1900-01-01"),
        ("full_name", "Ana\nGarcia", "full_name: contains a control character"),
        ("full_name", "A" * 201, "full_name: at most 200 characters (got 201)"),
        ("external_id", "C" * 65, "external_id: at most 64 characters (got 65)"),
    ],
)
def test_it_reports_each_crafted_value_by_row_and_field_and_keeps_the_good_rows(
    runner, session, tmp_path, field, value, problem
):
    rows = example_rows()
    rows[2][field] = value
    result = runner.invoke(args=["import-loans", str(write_book(tmp_path / "b.csv", rows))])
    assert result.exit_code == 1, result.output
    assert f"row 4: {problem}" in result.output
    assert "Traceback" not in result.output
    assert "4 created" in result.output and "1 rejected" in result.output
    assert session.scalar(select(func.count(Loan.id))) == 4


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "utf-32"])
def test_it_reads_utf8_and_utf16_with_a_byte_order_mark(runner, session, tmp_path, encoding):
    rows = example_rows()
    rows[0]["full_name"] = "José Núñez"
    path = tmp_path / "b.csv"
    text = "\ufeff" if encoding == "utf-16-be" else ""  # utf-16/utf-32 write their own mark
    write_book(path, rows, "utf-8")
    path.write_bytes((text + path.read_text(encoding="utf-8")).encode(encoding))
    result = runner.invoke(args=["import-loans", str(path)])
    assert result.exit_code == 0, result.output
    assert "5 created" in result.output
    assert session.scalar(select(Borrower.full_name).where(Borrower.external_id == "C-1001")) == (
        "José Núñez"
    )


def test_it_refuses_a_file_that_is_not_utf8_naming_the_file_line_and_offset(
    runner, session, tmp_path
):
    rows = example_rows()
    rows[2]["full_name"] = "José Núñez"  # line 4 of the file
    path = write_book(tmp_path / "latin1.csv", rows, "latin-1")
    offset = path.read_bytes().index("é".encode("latin-1"))
    result = runner.invoke(args=["import-loans", str(path)])
    assert result.exit_code != 0
    assert f"{path}: not UTF-8 text: byte offset {offset} (line 4) does not decode" in result.output
    assert "Traceback" not in result.output
    assert session.scalar(select(func.count(Loan.id))) == 0  # checked before anything is written


def test_it_refuses_utf16_without_a_byte_order_mark(runner, session, tmp_path):
    path = tmp_path / "b.csv"
    path.write_bytes(EXAMPLE.read_text(encoding="utf-8").encode("utf-16-le"))
    result = runner.invoke(args=["import-loans", str(path)])
    assert result.exit_code != 0
    assert "without a byte-order mark" in result.output and str(path) in result.output


def test_it_refuses_a_file_that_is_not_valid_csv_naming_the_line(runner, session, tmp_path):
    rows = example_rows()
    rows[1]["full_name"] = "x" * 200_000  # past csv's field limit
    path = write_book(tmp_path / "b.csv", rows)
    result = runner.invoke(args=["import-loans", str(path)])
    assert result.exit_code != 0
    assert f"{path}: line 3: not valid CSV" in result.output
    assert session.scalar(select(func.count(Loan.id))) == 0


def test_it_refuses_a_loan_number_twice_in_one_file_and_never_moves_it(runner, session, tmp_path):
    rows = example_rows()
    rows[3]["loan_number"] = rows[0]["loan_number"]  # C-1004's row names C-1001's loan
    result = runner.invoke(args=["import-loans", str(write_book(tmp_path / "b.csv", rows))])
    assert result.exit_code == 1
    assert "row 5: loan_number: 'LN-100-2001' appears twice in this file (first in row 2)" in (
        result.output
    )
    assert owner_of(session, "LN-100-2001") == "C-1001"


def test_it_refuses_another_borrowers_loan_number_and_changes_nothing_from_that_row(
    runner, session, tmp_path
):
    assert runner.invoke(args=["import-loans", str(EXAMPLE)]).exit_code == 0
    rows = example_rows()
    rows[1]["loan_number"] = "LN-100-2001"  # C-1002 claims C-1001's loan
    rows[1]["full_name"] = "James Changed"
    rows[1]["outstanding"] = "1.00"
    newcomer = dict(rows[4], external_id="C-9999", loan_number="LN-100-2003")
    result = runner.invoke(
        args=["import-loans", str(write_book(tmp_path / "b.csv", [rows[1], newcomer, rows[4]]))]
    )
    assert result.exit_code == 1
    assert "row 2: loan_number: 'LN-100-2001' is another borrower's loan" in result.output
    assert "row 3: loan_number: 'LN-100-2003' is another borrower's loan" in result.output
    assert "0 created, 0 updated, 1 unchanged, 2 rejected" in result.output
    assert owner_of(session, "LN-100-2001") == "C-1001"
    assert owner_of(session, "LN-100-2003") == "C-1003"
    loan = session.scalar(select(Loan).where(Loan.loan_number == "LN-100-2001"))
    assert str(loan.outstanding) == "3210.55"
    names = set(session.scalars(select(Borrower.full_name)))
    assert "James Changed" not in names
    assert (
        session.scalar(select(func.count(Borrower.id)).where(Borrower.external_id == "C-9999")) == 0
    )


def test_it_gives_the_same_outcomes_across_chunk_boundaries(runner, session, tmp_path, monkeypatch):
    from outreach.loan_import import upsert as loan_import

    monkeypatch.setattr(loan_import, "CHUNK", 2)
    rows = example_rows()
    # C-1001's second loan two chunks later, with a new name; a duplicate loan number far away.
    second = dict(rows[0], loan_number="LN-100-2999", full_name="Ana G. Garcia")
    again = dict(rows[1], outstanding="1.00")
    result = runner.invoke(
        args=["import-loans", str(write_book(tmp_path / "b.csv", [*rows, second, again]))]
    )
    assert result.exit_code == 1
    assert "row 8: loan_number: 'LN-100-2002' appears twice in this file (first in row 3)" in (
        result.output
    )
    assert "5 created, 1 updated, 0 unchanged, 1 rejected" in result.output
    session.expire_all()
    ana = session.scalar(select(Borrower).where(Borrower.external_id == "C-1001"))
    assert ana.full_name == "Ana G. Garcia"
    assert sorted(ln.loan_number for ln in ana.loans) == ["LN-100-2001", "LN-100-2999"]
    assert counts(session) == (5, 13, 6)
    rerun = runner.invoke(
        args=["import-loans", str(write_book(tmp_path / "c.csv", [*rows[1:], second]))]
    )
    assert "0 created, 0 updated, 5 unchanged, 0 rejected" in rerun.output
