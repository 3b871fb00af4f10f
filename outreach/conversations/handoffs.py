"""Handing a conversation to the officers from the app's side, when the bot could not.

The bot normally opens the case itself (``action_handoff`` -> ``selfservice.open_handoff``).
When that action fails (action server down, an action raising) the borrower who asked for a
person must still reach one (security finding 17): ``bot_turns`` opens the case here, in the
request's own session, with the same reasons and priorities the bot would have used.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.audit import log as audit
from outreach.models import Conversation, HandoffCase
from outreach.selfservice.handoff import URGENT_REASONS

# Intents whose rules end in action_handoff (bot/data/rules/handoff.yml), with the case reason
# the action gives them (bot/actions/common.py: REASON_REQUESTED and FLAGGING_INTENTS).
HANDOFF_INTENTS = {
    "request_human": "requested",
    "dispute": "dispute",
    "hardship": "hardship",
    "complaint": "complaint",
}


def open_case(
    session: Session, conv: Conversation, reason: str, summary: dict[str, Any]
) -> HandoffCase:
    """The conversation's open case (a new one unless one is open already); the officers own
    the conversation from now on. Flushed, not committed."""
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
        "system",
        "handoff.opened",
        subject=f"case:{case.id}",
        borrower_id=conv.borrower_id,
        details={"reason": reason, "priority": priority, "opened_by": "app"},
    )
    return case
