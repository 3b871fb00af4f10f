"""Handing a conversation back to the bot after a handoff, until Rasa really has it.

The database and Rasa must agree on who answers. Closing a case makes the bot the owner and
POSTs a resume to Rasa's tracker; when that call failed, the database said "bot" while Rasa
stayed paused, and every message went unanswered until Rasa's session expired (security
finding 6). So the conversation is marked ``resume_pending_since`` *before* Rasa is asked and
cleared only when Rasa confirms. While it is set, each bot turn retries the resume first (and
answers "unavailable" if Rasa still cannot be reached), the scheduler retries every minute
(``scheduler.py`` job ``resume``), and the console queue lists the conversation.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.audit import log as audit
from outreach.conversations.rasa_client import RasaClient, RasaUnavailable
from outreach.models import Conversation

log = logging.getLogger(__name__)


def hand_back(session: Session, rasa: RasaClient, conv: Conversation, now: datetime) -> bool:
    """Give the conversation back to the bot; True once Rasa confirmed the resume.

    Commits the pending mark before calling Rasa, so a message that arrives meanwhile (or after
    a failure) retries the resume instead of talking to a paused bot.
    """
    conv.owner = "bot"
    conv.resume_pending_since = conv.resume_pending_since or now
    session.commit()
    if retry_resume(session, rasa, conv):
        return True
    audit.record(
        session,
        "system",
        "bot.resume_failed",
        subject=f"conversation:{conv.id}",
        borrower_id=conv.borrower_id,
    )
    session.commit()
    return False


def retry_resume(session: Session, rasa: RasaClient, conv: Conversation) -> bool:
    """Ask Rasa to resume a pending conversation; on success clear the mark (committed)."""
    try:
        rasa.resume(conv.public_id)
    except RasaUnavailable as exc:
        log.error("bot not resumed for conversation %s: %s", conv.public_id, exc)
        return False
    pending_since = conv.resume_pending_since
    conv.resume_pending_since = None
    audit.record(
        session,
        "system",
        "bot.resumed",
        subject=f"conversation:{conv.id}",
        borrower_id=conv.borrower_id,
        details={"pending_since": pending_since.isoformat() if pending_since else None},
    )
    session.commit()
    return True


def pending(session: Session) -> list[Conversation]:
    """Conversations the bot owns whose resume Rasa has not confirmed, oldest first."""
    return list(
        session.scalars(
            select(Conversation)
            .where(Conversation.resume_pending_since.is_not(None), Conversation.owner == "bot")
            .order_by(Conversation.resume_pending_since, Conversation.id)
        )
    )


def retry_pending_resumes(session: Session, rasa: RasaClient) -> tuple[int, int]:
    """The scheduler's retry: (resumed, still pending). Stops at the first failure: Rasa is
    down, and the next run (a minute later) tries again rather than queueing timeouts."""
    waiting = pending(session)
    resumed = 0
    for conv in waiting:
        if not retry_resume(session, rasa, conv):
            break
        resumed += 1
    if waiting:
        log.info("bot resumes: %d done, %d still pending", resumed, len(waiting) - resumed)
    return resumed, len(waiting) - resumed
