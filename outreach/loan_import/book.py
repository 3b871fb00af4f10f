"""Reading a loan-book file: its encoding, its header, its rows (security review finding 12).

Read: UTF-8 with or without a byte-order mark, and UTF-16 or UTF-32 with one (what spreadsheets
write for "Unicode text"). Anything else that does not decode is refused with one error naming
the file, the line and the byte offset, before any row is imported. Legacy single-byte encodings
(latin-1, cp1252, Mac Roman) are not guessed: the same bytes are valid in each and mean different
letters, so a guess would silently garble names; the operator re-saves the file as UTF-8.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from outreach.loan_import.rows import REQUIRED, RowError

# Longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)
READ_SIZE = 1 << 16


class BookError(ValueError):
    """The file as a whole cannot be read; the message names the file and where."""


@dataclass(frozen=True)
class LoanBook:
    """A loan-book file checked end to end: encoding, CSV structure, header; ``total`` rows."""

    path: Path
    encoding: str
    skip: int  # bytes of byte-order mark
    total: int
    header: tuple[str, ...] = ()

    def rows(self) -> Iterator[dict[str | None, str]]:
        """The data rows as dicts keyed by the header (read again, lazily)."""
        yield from csv.DictReader(_lines(self.path, self.encoding, self.skip))


def open_book(path: str | Path, required: tuple[str, ...] = REQUIRED) -> LoanBook:
    """Check the whole file once (decoding every byte, parsing every record) and count its rows.

    Raises BookError for an encoding or CSV problem, RowError("header", ...) for missing
    ``required`` columns (the loan book's, unless another CSV format read the same way, such as
    the file drops' payment files, names its own); nothing has been imported when either is
    raised."""
    path = Path(path)
    with path.open("rb") as handle:
        head = handle.read(4096)
    encoding, label, skip = "utf-8", "UTF-8", 0
    for bom, name, bom_label in BOMS:
        if head.startswith(bom):
            encoding, label, skip = name, bom_label, len(bom)
            break
    else:
        if b"\x00" in head:
            raise BookError(
                f"{path}: looks like UTF-16 or UTF-32 without a byte-order mark; "
                "save it as UTF-8 (or as UTF-16 with a byte-order mark)"
            )
    reader = csv.reader(_lines(path, encoding, skip, label))
    try:
        header = [name.strip() for name in next(reader, [])]
        total = sum(1 for _ in reader)
    except csv.Error as exc:
        raise BookError(f"{path}: line {reader.line_num}: not valid CSV ({exc})") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise RowError("header", "missing columns: " + ", ".join(missing))
    return LoanBook(path, encoding, skip, total, tuple(header))


def _lines(path: Path, encoding: str, skip: int, label: str = "") -> Iterator[str]:
    """The file's text line by line (ends kept, split on ``\\n`` only, as csv wants them),
    decoded strictly; BookError names the first byte that does not decode."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    line, consumed, carry = 1, skip, ""
    with path.open("rb") as handle:
        handle.seek(skip)
        while True:
            chunk = handle.read(READ_SIZE)
            pending = len(decoder.getstate()[0])  # bytes held back from the previous chunk
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                offset = consumed - pending + exc.start
                before = exc.object[: exc.start].decode(encoding, errors="replace")
                at = line + (carry + before).count("\n")
                raise BookError(
                    f"{path}: not {label or encoding} text: byte offset {offset} (line {at}) "
                    f"does not decode ({exc.reason}); save the file as UTF-8"
                ) from None
            consumed += len(chunk)
            parts = (carry + text).split("\n")
            carry = parts.pop()
            for part in parts:
                yield part + "\n"
            line += len(parts)
            if not chunk:
                break
    if carry:
        yield carry
