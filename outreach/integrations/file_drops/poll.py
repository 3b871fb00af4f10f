"""Picking up dropped files: each content processed once, a result file next to each.

``poll`` lists the drop (``FILE_DROP_URL``: a folder or an SFTP path) and, for each ``*.csv``
file that is not a result file nor still being uploaded (a leading dot, ``.part``, ``.tmp``):

1. skips it at once when its name, size and modification time are those of a file already
   handled (nothing is read again);
2. otherwise copies it to a private temporary folder (one consistent snapshot) and takes its
   SHA-256: a content already processed, under any name, is not processed again (a result file
   says "skipped"; the same name uploaded again keeps its first result);
3. claims the content (a unique ``in:<sha256>`` row: two pollers never both process a file),
   tells by its header what it is (``contents``: the loan book's required columns, or the
   payment file's), and processes it: a loan book through ``outreach.loan_import`` (its validation, its upsert),
   a payment file row by row through ``outreach.payments.apply.apply_event``. A bad row is
   reported and skipped; good rows are kept. A file that is not CSV or has neither header is
   recorded as broken.
4. stores the outcome, then writes ``<name>.result.csv`` (``results``). A result that cannot
   be written (the server went away) is written by the next poll from the stored outcome.

A claim left ``processing`` by a crash is taken over after ``STALE``: loan import and payments
are both idempotent, so processing the file again is safe.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from outreach.channels import Channels
from outreach.integrations.file_drops import results
from outreach.integrations.file_drops.contents import Progress, process_file
from outreach.integrations.file_drops.locations import Entry, Location, opened
from outreach.models import FileDrop
from outreach.settings import Settings

log = logging.getLogger(__name__)
STALE = timedelta(minutes=30)
MAX_NAME = 200
UPLOADING = (".part", ".tmp", ".filepart")  # what SFTP clients name a file still arriving


@dataclass
class Handled:
    """What one file came to: ``kind`` loan_book, payments, broken or duplicate."""

    name: str
    kind: str
    totals: dict[str, int]
    problems: list[list[Any]] = field(default_factory=list)


@dataclass
class PollReport:
    files: list[Handled] = field(default_factory=list)
    unchanged: int = 0  # already handled, not read again

    def summary(self) -> str:
        if not self.files:
            return f"no new files ({self.unchanged} already handled)"
        parts = []
        for f in self.files:
            counts = ", ".join(f"{n} {k}" for k, n in f.totals.items() if k != "rows")
            parts.append(f"{f.name}: {f.kind}, {f.totals.get('rows', 0)} rows ({counts or 'none'})")
        return "; ".join(parts) + f"; {self.unchanged} already handled"


def candidates(entries: list[Entry]) -> list[Entry]:
    """The files to look at: ``*.csv``, not our result files, not still uploading."""
    return [
        e
        for e in entries
        if e.name.lower().endswith(".csv")
        and not e.name.lower().endswith(results.SUFFIX)
        and not e.name.startswith(".")
        and not e.name.lower().endswith(UPLOADING)
        and len(e.name) <= MAX_NAME
    ]


def _latest(session: Session, name: str) -> FileDrop | None:
    return session.scalar(
        select(FileDrop)
        .where(FileDrop.direction == "in", FileDrop.name == name)
        .order_by(FileDrop.id.desc())
        .limit(1)
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def poll(
    session: Session,
    settings: Settings,
    channels: Channels,
    now: datetime,
    *,
    progress: Progress | None = None,
) -> PollReport:
    """One pass over the drop (see the module docstring). Raises DropUnavailable when the
    folder or server cannot be used (nothing is half-recorded: each file's outcome is stored
    before its result is written)."""
    report = PollReport()
    with opened(settings.file_drop_url, settings) as location:
        for entry in candidates(location.entries()):
            latest = _latest(session, entry.name)
            if (
                latest is not None
                and latest.status != "processing"
                and (latest.size, latest.mtime) == (entry.size, entry.mtime)
            ):
                if latest.result_written_at is None:
                    _write_result(session, location, latest, now)
                report.unchanged += 1
                continue
            handled = _handle(session, location, entry, settings, channels, now, progress)
            if handled is not None:
                report.files.append(handled)
    return report


@contextmanager
def _snapshot(location: Location, name: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="file-drop-") as tmp:
        path = Path(tmp) / name
        location.fetch(name, path)
        yield path


def _handle(
    session: Session,
    location: Location,
    entry: Entry,
    settings: Settings,
    channels: Channels,
    now: datetime,
    progress: Progress | None,
) -> Handled | None:
    with _snapshot(location, entry.name) as path:
        sha = _sha256(path)
        claim = _claim(session, entry, sha, now)
        if claim is None:
            return None  # another poller is processing this content right now
        if claim.status == "processed":
            return _duplicate(session, location, entry, sha, claim, now)
        kind, totals, problems = process_file(
            session, path, entry.name, settings, channels, now, progress
        )
    claim.kind, claim.totals, claim.problems = kind, totals, {"rows": problems}
    claim.status, claim.processed_at = "processed", now
    claim.result_name = results.result_name(entry.name)
    session.commit()
    _write_result(session, location, claim, now)
    log.info("file drop: %s processed as %s: %s", entry.name, kind, totals)
    return Handled(entry.name, kind, totals, problems)


def _claim(session: Session, entry: Entry, sha: str, now: datetime) -> FileDrop | None:
    """This content's claim: a new one (ours), a stale one taken over, a processed one (the
    content is a duplicate), or None (another poller holds it)."""
    key = f"in:{sha}"
    row = session.scalar(select(FileDrop).where(FileDrop.claim_key == key))
    if row is None:
        row = FileDrop(
            direction="in",
            claim_key=key,
            name=entry.name,
            sha256=sha,
            size=entry.size,
            mtime=entry.mtime,
            status="processing",
            started_at=now,
        )
        session.add(row)
        try:
            session.commit()
            return row
        except IntegrityError:
            session.rollback()
            row = session.scalar(select(FileDrop).where(FileDrop.claim_key == key))
            if row is None:
                raise
    if row.status == "processing":
        if row.started_at > now - STALE:
            return None
        row.started_at, row.name, row.size, row.mtime = now, entry.name, entry.size, entry.mtime
        session.commit()
    return row


def _duplicate(
    session: Session, location: Location, entry: Entry, sha: str, first: FileDrop, now: datetime
) -> Handled | None:
    if first.name == entry.name:
        # The same file uploaded again (or touched): it keeps its first result.
        first.size, first.mtime = entry.size, entry.mtime
        session.commit()
        return None
    when = (first.processed_at or first.started_at).strftime("%Y-%m-%dT%H:%M:%SZ")
    problems: list[list[Any]] = [
        [None, "file", f"skipped: the same content as {first.name}, processed {when}"]
    ]
    row = FileDrop(
        direction="in",
        name=entry.name,
        sha256=sha,
        size=entry.size,
        mtime=entry.mtime,
        kind=first.kind,
        status="duplicate",
        first_id=first.id,
        totals={"rows": 0},
        problems={"rows": problems},
        result_name=results.result_name(entry.name),
        started_at=now,
        processed_at=now,
    )
    session.add(row)
    session.commit()
    _write_result(session, location, row, now)
    return Handled(entry.name, "duplicate", {"rows": 0}, problems)


def _write_result(session: Session, location: Location, row: FileDrop, now: datetime) -> None:
    problems = (row.problems or {}).get("rows", [])
    data = results.render(problems, dict(row.totals or {}))
    location.put(row.result_name or results.result_name(row.name), data)
    row.result_written_at = now
    session.commit()
