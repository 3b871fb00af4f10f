"""The print batch: every letter to print dated D, re-checked against the contact policy (a flag
may have arrived since it was made), written to a folder with a manifest for the print room.

A letter's PDF is written only when its bytes still hash to the SHA-256 recorded when it was made
(the audit log holds the same digest). Printed letters are marked so the next batch skips them;
a letter the policy now blocks is marked ``blocked`` and audited, never printed.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.audit.log import record
from outreach.letters.service import sha256
from outreach.messaging.contact_policy import check_contact
from outreach.models import Borrower, Message
from outreach.models.stages import Letter

MANIFEST = "manifest.csv"


@dataclass
class BatchReport:
    printed: Counter[str] = field(default_factory=Counter)
    blocked: list[tuple[int, list[str]]] = field(default_factory=list)
    corrupt: list[int] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(self.printed.items()))
        total = sum(self.printed.values())
        return (
            f"{total} letter{'' if total == 1 else 's'} printed"
            + (f" ({kinds})" if kinds else "")
            + f", {len(self.blocked)} blocked by the contact policy"
            + (f", {len(self.corrupt)} not matching their SHA-256" if self.corrupt else "")
        )


def due(session: Session, day: date) -> list[Letter]:
    return list(
        session.scalars(
            select(Letter)
            .where(Letter.delivery == "print", Letter.status == "ready", Letter.letter_date == day)
            .order_by(Letter.id)
        )
    )


def print_batch(
    session: Session,
    day: date,
    out_dir: Path,
    now: datetime,
    *,
    actor: str = "cli",
    progress: Callable[[int], None] | None = None,
) -> BatchReport:
    """Write the day's letters to ``out_dir`` (see the module docstring); commits per letter."""
    out_dir.mkdir(parents=True, exist_ok=True)
    report = BatchReport()
    rows = []
    for letter in due(session, day):
        borrower = session.get(Borrower, letter.borrower_id)
        assert borrower is not None
        message = session.get(Message, letter.message_id) if letter.message_id else None
        decision = check_contact(session, borrower, "letter", now)
        if not decision["allowed"]:
            letter.status = "blocked"
            if message is not None:
                message.status = "blocked"
            record(
                session,
                actor,
                "letter.blocked",
                subject=f"letter:{letter.id}",
                borrower_id=letter.borrower_id,
                details={"letter_id": letter.id, "reasons": decision["reasons"], "at": "print"},
                at=now,
            )
            report.blocked.append((letter.id, list(decision["reasons"])))
        elif sha256(letter.pdf) != letter.sha256:
            report.corrupt.append(letter.id)  # never print what the audit log does not vouch for
        else:
            name = f"{day.isoformat()}-{letter.id:06d}-{letter.kind}.pdf"
            path = out_dir / name
            path.write_bytes(letter.pdf)
            letter.status, letter.printed_at = "printed", now
            if message is not None:
                message.status, message.sent_at = "sent", now
            record(
                session,
                actor,
                "letter.printed",
                subject=f"letter:{letter.id}",
                borrower_id=letter.borrower_id,
                details={"letter_id": letter.id, "sha256": letter.sha256, "file": name},
                at=now,
            )
            report.printed[letter.kind] += 1
            report.files.append(path)
            rows.append((name, letter.sha256, borrower.external_id, letter.kind, letter.locale))
        session.commit()
        if progress is not None:
            progress(1)
    with (out_dir / MANIFEST).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(("file", "sha256", "borrower_ref", "kind", "locale"))
        writer.writerows(rows)
    return report
