"""The result file written next to each dropped file: ``<name>.result.csv``.

```
row,field,error
3,amount,"not an amount (like 1234.50): 'abc'"
7,loan_number,"kept for review: no loan with this number"
total,rows,9
total,applied,7
total,rejected,1
total,review,1
```

One line per row that was refused or kept for review (``row`` counts the header as row 1, as
the loan import's errors do), then ``total`` lines. A file that could not be read at all has a
single ``file`` (or ``header``) line saying why. Cells pass ``safe_cell`` (a spreadsheet never
runs one as a formula).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from outreach.audit.csv_cells import safe_writer

HEADER = ("row", "field", "error")
SUFFIX = ".result.csv"


def result_name(name: str) -> str:
    """``loans.csv`` -> ``loans.result.csv``."""
    stem = name[: -len(".csv")] if name.lower().endswith(".csv") else name
    return stem + SUFFIX


def split_error(error: str) -> tuple[str, str]:
    """A loan-import error ``field: problem`` as (field, problem)."""
    field, sep, problem = error.partition(": ")
    return (field, problem) if sep else ("", error)


def render(problems: Iterable[list | tuple], totals: dict[str, int]) -> bytes:
    """The result file's bytes (UTF-8, CRLF line ends as csv writes them)."""
    out = io.StringIO()
    writer = safe_writer(out)
    writer.writerow(HEADER)
    for row, field, problem in problems:
        writer.writerow(["" if row is None else row, field, problem])
    for name, count in totals.items():
        writer.writerow(["total", name, count])
    return out.getvalue().encode()


def parse(data: bytes) -> tuple[list[tuple[str, str, str]], dict[str, int]]:
    """A result file read back: (problem lines, totals); for tests and tools."""
    problems, totals = [], {}
    reader = csv.reader(io.StringIO(data.decode()))
    next(reader, None)
    for row, field, problem in reader:
        if row == "total":
            totals[field] = int(problem)
        else:
            problems.append((row, field, problem))
    return problems, totals
