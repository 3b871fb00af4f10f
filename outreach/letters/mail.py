"""Sending a stored letter as a PDF attachment through the email channel.

The email is its own message: it passes the contact policy on ``email`` (window, caps, consent,
opt-out, flags: unlike the letter itself), carries the unsubscribe link every email carries
(RULES.md RF-OPTOUT-NOTICE), and is logged before the provider call and updated after (the
outbox's order). The attachment is the stored PDF, whose SHA-256 the audit event repeats.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.audit.log import record
from outreach.channels.base import ChannelError
from outreach.channels.email import Attachment
from outreach.channels.registry import Channels
from outreach.letters.service import LetterRefused, sha256
from outreach.messaging.contact_policy import check_contact, usable_point
from outreach.messaging.links import unsubscribe_url
from outreach.messaging.templates import render_email
from outreach.models import Borrower, ContactPoint, Loan, Message
from outreach.models.stages import Letter
from outreach.settings import Settings


def email_letter(
    session: Session,
    settings: Settings,
    channels: Channels,
    letter: Letter,
    now: datetime,
    *,
    actor: str,
) -> Message:
    borrower = session.get(Borrower, letter.borrower_id)
    loan = session.get(Loan, letter.loan_id) if letter.loan_id else None
    assert borrower is not None and loan is not None
    if letter.status == "blocked":
        raise LetterRefused("letter: this letter was blocked and cannot be sent", ["blocked"])
    if sha256(letter.pdf) != letter.sha256:
        raise LetterRefused("letter: the stored PDF does not match its SHA-256", ["corrupt"])
    decision = check_contact(session, borrower, "email", now)
    if not decision["allowed"]:
        raise LetterRefused(
            f"email not allowed now: {', '.join(decision['reasons'])}",
            list(decision["reasons"]),
            decision.get("next_allowed_at"),
        )
    points = list(
        session.scalars(select(ContactPoint).where(ContactPoint.borrower_id == borrower.id))
    )
    point = usable_point(points, "email")
    assert point is not None  # no_address otherwise
    parts = render_email(
        "letter_cover",
        borrower.locale or "en",
        lender=settings.lender_name,
        name=borrower.full_name,
        loan_ref=loan.loan_number,
        unsubscribe_url=(unsub := unsubscribe_url(settings, borrower.id)),
    )
    officer_id = int(actor.split(":", 1)[1]) if actor.startswith("officer:") else None
    message = Message(
        borrower_id=borrower.id,
        loan_id=loan.id,
        direction="out",
        channel="email",
        address=point.address,
        sender="officer" if officer_id else "system",
        initiated_by="lender",
        officer_id=officer_id,
        template="letter_cover",
        body=parts["text"],
        status="sending",
        decision=decision,
        created_at=now,
    )
    session.add(message)
    session.commit()  # logged before the provider call: a crash leaves "sending", not nothing
    filename = f"letter-{loan.loan_number}-{letter.kind}.pdf"
    try:
        result = channels.get("email").send(
            point.address,
            parts["text"],
            subject=parts["subject"],
            html=parts["html"],
            unsubscribe_url=unsub,
            attachments=[Attachment(filename, "application/pdf", letter.pdf)],
        )
    except ChannelError as exc:
        message.status, message.error = "failed", str(exc)[:500]
        session.commit()
        raise LetterRefused(f"email: {exc}", ["send_failed"]) from exc
    message.status, message.provider_sid, message.sent_at = result.status, result.provider_sid, now
    letter.status = "emailed"
    record(
        session,
        actor,
        "letter.emailed",
        subject=f"letter:{letter.id}",
        borrower_id=borrower.id,
        details={"letter_id": letter.id, "sha256": letter.sha256, "message_id": message.id},
        at=now,
    )
    return message
