"""Loan books and payment files as a lender drops them, and reading result files back."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from outreach.integrations.file_drops import results

LOAN_HEADER = (
    "external_id,full_name,locale,country,phone,email,loan_number,product,currency,"
    "principal,outstanding,past_due_amount,days_past_due,status"
)
PAYMENT_HEADER = "loan_number,amount,currency,paid_at,reference"


def loan_line(n: int, **changes: str) -> str:
    values = {
        "external_id": f"C-{n}",
        "full_name": f"Borrower {n}",
        "locale": "en_US",
        "country": "US",
        "phone": f"+1312555{n:04d}",
        "email": f"b{n}@example.com",
        "loan_number": f"LN-{n}",
        "product": "personal",
        "currency": "USD",
        "principal": "1000.00",
        "outstanding": "800.00",
        "past_due_amount": "100.00",
        "days_past_due": "12",
        "status": "delinquent",
    }
    values.update(changes)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([values[c] for c in LOAN_HEADER.split(",")])
    return out.getvalue().rstrip("\n")


def loan_book(*lines: str) -> str:
    return "\n".join([LOAN_HEADER, *lines]) + "\n"


def payment_file(*lines: str) -> str:
    return "\n".join([PAYMENT_HEADER, *lines]) + "\n"


def drop(folder: Path, name: str, text: str | bytes) -> Path:
    """Upload as a careful lender does: a temporary name, renamed once complete."""
    temp = folder / f".{name}.uploading"
    if isinstance(text, bytes):
        temp.write_bytes(text)
    else:
        temp.write_text(text)
    final = folder / name
    temp.rename(final)
    return final


def result(folder: Path, name: str) -> tuple[list[tuple[str, str, str]], dict[str, int]]:
    return results.parse((folder / results.result_name(name)).read_bytes())
