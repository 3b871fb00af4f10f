"""Letters the stage job queues by itself: a notice of arrears when an account moves to ``late``.

Each goes through ``create_letter`` with ``automated=True`` (contact policy, required notices in
stopped stages); a refusal is audited there and skipped here. The print batch picks them up.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from outreach.letters.service import LetterRefused, create_letter, postal_point
from outreach.models import Loan
from outreach.settings import Settings
from outreach.stages.evaluate import StageReport

# Stage entered -> the letter it sends.
ON_ENTRY = {"late": "notice_of_arrears"}


def queue_stage_letters(
    session: Session, settings: Settings, report: StageReport, now: datetime
) -> int:
    queued = 0
    session.commit()  # the stage moves stand whatever happens to a letter
    for loan_id, _before, stage, _rule in report.moves:
        kind = ON_ENTRY.get(stage)
        loan = session.get(Loan, loan_id) if kind else None
        if loan is None or kind is None or postal_point(session, loan.borrower_id) is None:
            continue  # no letter for this stage, or no postal address on file
        try:
            create_letter(session, settings, loan, kind, now, actor="scheduler", automated=True)
        except LetterRefused:
            continue
        session.commit()
        queued += 1
    return queued
