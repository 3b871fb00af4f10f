"""Numbers that reach someone else: the person who answers says "wrong number", or the lender
records a reassigned-number result (e.g. the FCC Reassigned Numbers Database).

Either way every contact point with that address (SMS and WhatsApp share a number) is marked
``wrong_party_at``; the contact policy then answers ``wrong_party`` for lender-initiated
messages to it (config/policy/default.yaml: RULES.md RF-3P, TCPA-CONSENT, RF-TEXT-SH). Nothing
about the borrower (no name, no account detail) is told to the person who wrote.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach import clock
from outreach.audit import log as audit
from outreach.db import session_scope
from outreach.models import ContactPoint
from outreach.selfservice.access import find_conversation
from outreach.selfservice.handoff import open_case
from outreach.settings import Settings

PHONE_CHANNELS = ("sms", "whatsapp")


def mark_wrong_party(
    session: Session,
    address: str,
    *,
    source: str,
    now: datetime,
    actor: str,
    reassigned_since: date | None = None,
) -> list[ContactPoint]:
    """Mark every phone contact point with ``address`` as reaching someone else; returns the
    points newly marked (already marked ones are left as they were). Flushed, not committed."""
    points = session.scalars(
        select(ContactPoint).where(
            ContactPoint.address == address,
            ContactPoint.channel.in_(PHONE_CHANNELS),
            ContactPoint.wrong_party_at.is_(None),
        )
    ).all()
    for point in points:
        point.wrong_party_at, point.wrong_party_source = now, source
        point.reassigned_since = reassigned_since
    for borrower_id in sorted({p.borrower_id for p in points}):
        audit.record(
            session,
            actor,
            "contact.wrong_party",
            subject=f"borrower:{borrower_id}",
            borrower_id=borrower_id,
            # No address in the details: the audit row names the contact points by id.
            details={
                "source": source,
                "contact_points": [p.id for p in points if p.borrower_id == borrower_id],
                "reassigned_since": reassigned_since.isoformat() if reassigned_since else None,
            },
            at=now,
        )
    session.flush()
    return list(points)


def report_wrong_party(conversation_id: str, settings: Settings | None = None) -> bool:
    """The person writing confirmed that this number is not the borrower's: mark it, open an
    officer task (a case in the console queue) to find a right contact. True when a number was
    marked (False for a web chat, which has no number, or an unknown conversation)."""
    settings = settings or Settings.from_env()
    now = clock.now()
    with session_scope(settings.database_url) as session:
        conv = find_conversation(session, conversation_id)
        if conv is None:
            return False
        marked: list[ContactPoint] = []
        if conv.channel in PHONE_CHANNELS:
            marked = mark_wrong_party(
                session, conv.address, source="borrower", now=now, actor="bot"
            )
        # The summary carries no message text and no name: it is a task, not a conversation.
        open_case(
            session,
            conv,
            "wrong_party",
            {"reason": "wrong_party", "task": "find a right contact", "marked": len(marked)},
        )
        return bool(marked)


def record_reassigned(
    session: Session, address: str, since: date, database: str, now: datetime, actor: str
) -> int:
    """A lender-supplied reassigned-number result: ``address`` was reassigned on ``since``
    according to ``database``. Blocks the number like a wrong-party reply. Commits; returns
    how many contact points were newly marked."""
    marked = mark_wrong_party(
        session,
        address,
        source=f"reassigned:{database}"[:100],
        now=now,
        actor=actor,
        reassigned_since=since,
    )
    session.commit()
    return len(marked)
