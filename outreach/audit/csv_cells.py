"""CSV cells a spreadsheet reads as text, never as a formula (CSV/formula injection).

Every CSV the product writes (audit exports, the planner's dry run) goes through ``safe_writer``
or ``safe_cell``: borrower text, external ids and provider errors are attacker-controlled, and a
cell a spreadsheet evaluates can run commands or leak other cells (OWASP "CSV Injection";
security review finding 11). JSON exports carry the values unchanged.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

# A spreadsheet evaluates a cell that starts with one of these (tab and CR too: some strip them).
FORMULA_START = "=+-@\t\r"
# Where a cell may begin: the start of the value, or after a character a spreadsheet (or a user
# choosing "split on ; , | or tab" at import) may treat as a separator; line breaks too, for
# readers that split rows naively. Spaces and quotes in between are skipped, as importers trim them.
_CELL_START = re.compile(r"(^|[;,\t|\r\n])([ \"']*)(?=[=+\-@\t\r])")


def safe_cell(value: Any) -> Any:
    """``value`` with a ``'`` before every place a formula could start; non-text unchanged.

    The apostrophe is the spreadsheet convention for "this is text"; it is visible, which is
    the point: the export shows that the borrower typed ``=...``.
    """
    if not isinstance(value, str):
        return value
    return _CELL_START.sub(r"\1\2'", value)


class SafeWriter:
    """``csv.writer`` whose every cell passes through ``safe_cell``."""

    def __init__(self, stream: Any, **fmtparams: Any) -> None:
        self._writer = csv.writer(stream, **fmtparams)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def safe_writer(stream: Any, **fmtparams: Any) -> SafeWriter:
    """A CSV writer on ``stream`` that neutralises formulas in every text cell."""
    return SafeWriter(stream, **fmtparams)
