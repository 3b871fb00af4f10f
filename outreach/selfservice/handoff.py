"""Opening a handoff case from the bot: the conversation goes to the officers, the bot pauses.

``outreach.conversations.handoffs`` opens the same cases from the app's side when the action
could not, with these :data:`URGENT_REASONS`, so both give a reason the same priority.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach import events
from outreach.audit import log as audit
from outreach.db import session_scope
from outreach.models import Conversation, HandoffCase
from outreach.selfservice.access import find_conversation
from outreach.settings import Settings

# Reasons an officer should see first (open_handoff gives them priority 1).
URGENT_REASONS = (
    "dispute",
    "hardship",
    "complaint",
    "verification_failed",
    "opt_out_request",
    # A disclosed vulnerability and a stated risk to life (outreach/selfservice/care.py).
    "care",
    "crisis",
)


def open_case(
    session: Session,
    conv: Conversation,
    reason: str,
    summary: dict[str, Any],
    *,
    actor: str = "bot",
    details: dict[str, Any] | None = None,
) -> HandoffCase:
    """The conversation's open case (a new one unless one is open already, audited as opened
    by ``actor``); the officers own the conversation from now on. Flushed, not committed."""
    existing = session.scalar(
        select(HandoffCase).where(
            HandoffCase.conversation_id == conv.id, HandoffCase.status != "closed"
        )
    )
    conv.owner = "officer"
    if existing is not None:
        return existing
    priority = 1 if reason in URGENT_REASONS else 2
    case = HandoffCase(
        conversation_id=conv.id,
        borrower_id=conv.borrower_id,
        reason=reason,
        priority=priority,
        summary=summary,
    )
    session.add(case)
    session.flush()
    audit.record(
        session,
        actor,
        "handoff.opened",
        subject=f"case:{case.id}",
        borrower_id=conv.borrower_id,
        details={"reason": reason, "priority": priority, **(details or {})},
    )
    events.emit(
        session,
        "handoff.opened",
        conv.borrower_id,
        {"case_id": case.id, "reason": reason, "priority": priority, "channel": conv.channel},
        case.opened_at,
    )
    return case


def open_handoff(
    conversation_id: str, reason: str, summary: dict[str, Any], settings: Settings | None = None
) -> int:
    """Open a handoff case and give the conversation to the officers (the bot pauses).
    An open case is reused: its id is returned. LookupError for an unknown conversation."""
    settings = settings or Settings.from_env()
    with session_scope(settings.database_url) as session:
        conv = find_conversation(session, conversation_id)
        if conv is None:
            raise LookupError(f"conversation_id: no conversation {conversation_id!r}")
        return open_case(session, conv, reason, summary).id
