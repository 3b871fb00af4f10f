"""Creating a letter: the contact policy first, then the PDF, stored with its SHA-256 and audited.

A letter is a message like any other (RULES.md A7): it passes the contact policy on channel
``letter`` (flags and opt-outs block it; the window does not apply: rule pack ``letters``), is
logged as an outbound ``Message`` (so it is on the borrower's timeline and in audit search), and
its PDF's SHA-256 goes into the hash-chained audit log (``letter.created``), so the letter printed
or emailed can be proven to be the one stored. Automated letters (``automated=True``: the
scheduler) for an account in legal or agency go only when the rule pack requires that notice
(``config/stages.yaml`` ``required_notices``).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.audit.log import record
from outreach.letters.content import Arrangement, compose
from outreach.letters.pdf import render_pdf
from outreach.messaging.contact_policy import check_contact, usable_point
from outreach.models import ContactPoint, Loan, Message
from outreach.models.stages import AUTOMATION_STOPPED, LETTER_KINDS, AccountStage, Letter
from outreach.settings import Settings
from outreach.stages.rules import load_rules

DELIVERIES = ("print", "email", "download")


class LetterRefused(ValueError):
    """The letter may not go out: ``reasons`` are policy reasons (or ``account_stage``)."""

    def __init__(self, message: str, reasons: list[str], next_allowed_at: str | None = None):
        super().__init__(message)
        self.reasons = reasons
        self.next_allowed_at = next_allowed_at


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def postal_point(session: Session, borrower_id: int) -> ContactPoint | None:
    points = list(
        session.scalars(select(ContactPoint).where(ContactPoint.borrower_id == borrower_id))
    )
    return usable_point(points, "letter")


def _refuse(session: Session, actor: str, loan: Loan, kind: str, reasons: list[str], at: datetime):
    record(
        session,
        actor,
        "letter.blocked",
        subject=f"loan:{loan.id}",
        borrower_id=loan.borrower_id,
        details={"loan_id": loan.id, "kind": kind, "reasons": reasons},
        at=at,
    )
    session.commit()  # the refusal is evidence too; nothing else was written
    raise LetterRefused(f"letter not allowed: {', '.join(reasons)}", reasons)


def create_letter(
    session: Session,
    settings: Settings,
    loan: Loan,
    kind: str,
    now: datetime,
    *,
    actor: str,
    delivery: str = "print",
    arrangement: Arrangement | None = None,
    automated: bool = False,
) -> Letter:
    """Render, store and audit one letter for ``loan`` (see the module docstring)."""
    if kind not in LETTER_KINDS:
        raise ValueError(f"kind: must be one of {', '.join(LETTER_KINDS)}")
    if delivery not in DELIVERIES:
        raise ValueError(f"delivery: must be one of {', '.join(DELIVERIES)}")
    borrower = loan.borrower
    if automated:
        stage = session.get(AccountStage, loan.id)
        stopped = stage is not None and stage.stage in AUTOMATION_STOPPED
        if stopped and kind not in load_rules().notices_allowed(borrower.country):
            _refuse(session, actor, loan, kind, ["account_stage"], now)
    decision = check_contact(session, borrower, "letter", now)
    if not decision["allowed"]:
        _refuse(session, actor, loan, kind, list(decision["reasons"]), now)
    point = postal_point(session, borrower.id)
    assert point is not None  # the policy said no_address otherwise
    letter_date = borrower.today(now)
    page, text = compose(settings, kind, borrower, loan, point.address, letter_date, arrangement)
    pdf = render_pdf(page)
    digest = sha256(pdf)
    officer_id = int(actor.split(":", 1)[1]) if actor.startswith("officer:") else None
    message = Message(
        borrower_id=borrower.id,
        loan_id=loan.id,
        direction="out",
        channel="letter",
        address=point.address,
        sender="officer" if officer_id else "scheduler",
        initiated_by="lender",
        officer_id=officer_id,
        template=kind,
        body=text,
        status="queued" if delivery == "print" else "sent",
        decision=decision,
        created_at=now,
        sent_at=None if delivery == "print" else now,
    )
    session.add(message)
    session.flush()
    letter = Letter(
        borrower_id=borrower.id,
        loan_id=loan.id,
        kind=kind,
        locale=borrower.locale or "en",
        sha256=digest,
        pdf=pdf,
        text=text,
        delivery=delivery,
        status="ready",
        letter_date=letter_date,
        created_by=actor,
        message_id=message.id,
        created_at=now,
    )
    session.add(letter)
    session.flush()
    details = {
        "letter_id": letter.id,
        "loan_id": loan.id,
        "kind": kind,
        "sha256": digest,
        "delivery": delivery,
        "message_id": message.id,
        "rules_version": decision.get("rules_version"),
    }
    if arrangement is not None:
        details["arrangement"] = arrangement.reference
    record(
        session,
        actor,
        "letter.created",
        subject=f"letter:{letter.id}",
        borrower_id=borrower.id,
        details=details,
        at=now,
    )
    return letter
