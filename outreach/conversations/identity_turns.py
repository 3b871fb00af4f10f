"""Identity factor answers in a bot turn: Flask checks them and Rasa gets a placeholder.

Finding 14: Rasa's tracker (readable with the API token) held every raw date of birth. Now the
turn summary says which factor the form is asking for (``bot/turn_channel.py``: active loop and
requested slot), Flask remembers it, checks the next answer itself (``identity.check_answer``),
stores the outcome for the form validation (``identity.take_outcome``) and sends Rasa one of its
own intent commands instead of the text. An answer with no digit in it ("agent", "no") goes to
Rasa as written: every factor's value is digits, and the NLU must still route such a message.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.conversations.rasa_client import RasaClient, RasaUnavailable
from outreach.models import Conversation, Message, VerificationProgress
from outreach.selfservice import identity
from outreach.selfservice.answers import has_digits
from outreach.selfservice.locks import active_lock, subjects

log = logging.getLogger(__name__)

# What Rasa sees instead of an answer: an intent command only Flask can send (a borrower's
# leading "/" is stripped), with the intents the form already expects. Never the value.
PLACEHOLDERS = {"date_of_birth": "/provide_date", "loan_last4": "/inform", "postal_code": "/inform"}
VERIFY_FORM = "verify_form"
# After this much silence Rasa starts a new session and its form is gone
# (bot/domain/core.yml session_config.session_expiration_time): a question that old is not open.
RASA_SESSION_EXPIRY = timedelta(minutes=60)


def _progress(session: Session, conv: Conversation) -> VerificationProgress | None:
    return session.scalar(
        select(VerificationProgress).where(VerificationProgress.conversation_id == conv.id)
    )


def _reopen_if_unlocked(
    session: Session,
    rasa: RasaClient,
    conv: Conversation,
    progress: VerificationProgress,
    now: datetime,
) -> None:
    """The bot was told "locked" (its verification_locked slot holds that); once the lock is
    over (time, or an officer's release) clear the slot so the borrower can be checked again."""
    if not progress.told_locked:
        return
    keys = [s.key for s in subjects(conv)]
    if active_lock(session, keys, now, borrower_id=conv.borrower_id) is not None:
        return
    try:
        rasa.set_slots(conv.public_id, {"verification_locked": False, "identity_verified": False})
    except RasaUnavailable as exc:
        log.warning("could not reopen the identity check in Rasa for %s: %s", conv.public_id, exc)
        return
    progress.told_locked = False


def _question_still_open(
    session: Session, conv: Conversation, inbound: Message, now: datetime
) -> bool:
    previous = session.scalar(
        select(Message.created_at)
        .where(
            Message.conversation_id == conv.id,
            Message.direction == "in",
            Message.id < inbound.id,
        )
        .order_by(Message.id.desc())
        .limit(1)
    )
    return previous is not None and now - previous <= RASA_SESSION_EXPIRY


def before_turn(
    session: Session, rasa: RasaClient, conv: Conversation, inbound: Message, now: datetime
) -> str | None:
    """Check the answer to the factor Rasa asked for; the placeholder Rasa gets instead of the
    text (None: send the text). Commits, so the action server sees the stored outcome."""
    progress = _progress(session, conv)
    if progress is None:
        return None
    _reopen_if_unlocked(session, rasa, conv, progress, now)
    factor = progress.asked if _question_still_open(session, conv, inbound, now) else None
    placeholder = None
    if factor in PLACEHOLDERS:
        result = identity.check_answer(session, conv, factor, inbound.body, now)
        identity.store_outcome(session, conv, inbound.id, factor, result)
        placeholder = PLACEHOLDERS[factor] if has_digits(inbound.body) else None
    session.commit()
    return placeholder


def after_turn(session: Session, conv: Conversation, summary: dict[str, Any]) -> None:
    """Remember which factor (if any) the form asks for next, from the turn summary. Without a
    summary (Rasa down) nothing changed in Rasa, so nothing changes here either."""
    if "active_loop" not in summary:
        return
    slot = summary.get("requested_slot")
    asked = slot if summary.get("active_loop") == VERIFY_FORM and slot in PLACEHOLDERS else None
    progress = _progress(session, conv)
    if progress is None:
        if asked is None:
            return
        progress = VerificationProgress(conversation_id=conv.id, factors={})
        session.add(progress)
    progress.asked = asked
