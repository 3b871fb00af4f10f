"""Which conversation and which loan a self-service call is about.

The actions hand in only the opaque conversation id (``Conversation.public_id``, Rasa's
``sender_id``). These lookups turn it into rows, and :func:`verified_conversation` is the one
gate to account details: it asks the database, never a Rasa slot, whether the borrower passed a
fresh identity check.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach import clock
from outreach.db import session_scope
from outreach.models import Conversation, Loan
from outreach.selfservice import identity
from outreach.settings import Settings


def find_conversation(session: Session, conversation_id: str) -> Conversation | None:
    """The conversation with this public id, verified or not (None for an unknown id)."""
    return session.scalar(select(Conversation).where(Conversation.public_id == conversation_id))


def verified_conversation(session: Session, conversation_id: str) -> Conversation | None:
    """The conversation, only if the database says its borrower passed a fresh verification
    (in this conversation, borrower active within ``verification.idle_minutes``)."""
    return identity.verified_conversation(session, conversation_id, clock.now())


def main_loan(session: Session, conv: Conversation) -> Loan | None:
    """The loan the bot talks about: the most past-due one."""
    return session.scalar(
        select(Loan)
        .where(Loan.borrower_id == conv.borrower_id)
        .order_by(Loan.past_due_amount.desc(), Loan.id)
        .limit(1)
    )


def borrower_today(conversation_id: str, settings: Settings | None = None) -> date:
    """The borrower's calendar date now, in the borrower's zone (the UTC date for a number that
    is no borrower's): relative days the borrower types ("friday", "in 3 days") count from it."""
    settings = settings or Settings.from_env()
    now = clock.now()
    with session_scope(settings.database_url) as session:
        conv = find_conversation(session, conversation_id)
        if conv is None or conv.borrower is None:
            return now.date()
        return conv.borrower.today(now)
