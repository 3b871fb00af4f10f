"""Handing a conversation to the officers from the app's side, when the bot could not.

The bot normally opens the case itself (``action_handoff`` -> ``selfservice.open_handoff``).
When that action fails (action server down, an action raising) the borrower who asked for a
person must still reach one (security finding 17): ``bot_turns`` opens the case here, in the
request's own session, with the same reasons and priorities the bot would have used.

``close_case`` closes one for the console. Opening and closing both emit ``handoff.opened`` /
``handoff.closed`` to the lender's subscriptions (``outreach.events``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from outreach import events
from outreach.audit import log as audit
from outreach.models import Conversation, HandoffCase
from outreach.selfservice import handoff

# Intents whose rules end in action_handoff (bot/data/rules/handoff.yml), with the case reason
# the action gives them (bot/actions/common.py: REASON_REQUESTED and FLAGGING_INTENTS).
OPENED_BY_APP = {"opened_by": "app"}

HANDOFF_INTENTS = {
    "request_human": "requested",
    "dispute": "dispute",
    "hardship": "hardship",
    "complaint": "complaint",
}


def close_case(session: Session, case: HandoffCase, officer_id: int, now: datetime) -> bool:
    """Close a case (audited, ``handoff.closed`` emitted); False if it was closed already.
    Not committed; handing the conversation back to the bot is ``resume.hand_back``'s job."""
    if case.status == "closed":
        return False
    case.status, case.closed_at = "closed", now
    audit.record(
        session,
        f"officer:{officer_id}",
        "handoff.closed",
        subject=f"case:{case.id}",
        borrower_id=case.borrower_id,
        at=now,
    )
    events.emit(
        session,
        "handoff.closed",
        case.borrower_id,
        {"case_id": case.id, "reason": case.reason},
        now,
    )
    return True


def open_case(
    session: Session, conv: Conversation, reason: str, summary: dict[str, Any]
) -> HandoffCase:
    """The conversation's open case, opened by the app (not the bot) when the action could not:
    the same case, priority and audit event the bot's ``open_handoff`` gives. Not committed."""
    return handoff.open_case(session, conv, reason, summary, actor="system", details=OPENED_BY_APP)
