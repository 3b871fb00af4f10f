"""Files the lender dropped for us (loan books, payments) and the daily exports we dropped back.

One row per file *content* we processed (``claim_key`` ``in:<sha256>``: a file renamed or
uploaded again with the same bytes is never processed twice) and one per day exported
(``claim_key`` ``export:<YYYY-MM-DD>``). A file whose content was already processed under
another name gets a row without a claim (``status`` ``duplicate``), so the next poll knows the
name, size and modification time without reading it again.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from outreach.models.base import Base, utcnow

FILE_DROP_KINDS = ("loan_book", "payments", "broken", "export")
# processing: claimed, not finished (a crash leaves it; a later poll takes over a stale one);
# processed: rows applied, outcome stored; duplicate: same content as ``first_id``.
FILE_DROP_STATUSES = ("processing", "processed", "duplicate")


class FileDrop(Base):
    __tablename__ = "file_drops"

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    # Unique: the claim that makes each content (or each export day) happen once.
    claim_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mtime: Mapped[int | None] = mapped_column(BigInteger)  # seconds, as the folder reports it
    kind: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    day: Mapped[date | None]  # the day an export covers
    first_id: Mapped[int | None] = mapped_column(ForeignKey("file_drops.id"))
    # What the result file says: {"rows": n, "<outcome>": n, ...} and
    # {"rows": [[row, field, problem], ...]} (kept so a result that could not be written is
    # written by the next poll without processing the file again).
    totals: Mapped[dict[str, Any] | None]
    problems: Mapped[dict[str, Any] | None]
    result_name: Mapped[str | None] = mapped_column(String(255))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]
    result_written_at: Mapped[datetime | None]
