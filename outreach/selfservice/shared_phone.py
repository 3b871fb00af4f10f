"""Phones several borrowers share (group members often do, issue 20).

Such an address names nobody: the conversation opens with no borrower
(``conversations.inbound.borrower_for_address``) and the identity check decides among the
borrowers on that address. The answers must match exactly one of them on every factor; then the
conversation becomes that borrower's. Any other outcome (no match, factors matching different
members, two members with the same answers) verifies nobody and says nothing about who was
close: whoever holds the phone learns only their own account, never a group member's
(RULES: third-party disclosure).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.models import Borrower, ContactPoint, Conversation

PHONE_CHANNELS = ("sms", "whatsapp")


def candidates_for(session: Session, conv: Conversation) -> list[Borrower]:
    """The borrowers sharing this conversation's phone address; empty unless there are two or
    more (a web chat, an e-mail or a one-borrower phone keeps the ordinary check)."""
    if conv.channel not in PHONE_CHANNELS or conv.identify_key:
        return []
    found = session.scalars(
        select(Borrower)
        .join(ContactPoint, ContactPoint.borrower_id == Borrower.id)
        .where(ContactPoint.address == conv.address, ContactPoint.channel.in_(PHONE_CHANNELS))
        .order_by(Borrower.id)
        .distinct()
    ).all()
    return list(found) if len(found) > 1 else []


def is_shared(session: Session, channel: str, address: str) -> bool:
    """Several borrowers use this phone (reminders to it then carry no name and no amount)."""
    if channel not in PHONE_CHANNELS:
        return False
    ids = session.scalars(
        select(ContactPoint.borrower_id)
        .where(ContactPoint.address == address, ContactPoint.channel.in_(PHONE_CHANNELS))
        .distinct()
    ).all()
    return len(ids) > 1


def decide(matched: dict[str, list[int]]) -> int | None:
    """The one borrower every factor matched, or None (nobody, or more than one)."""
    sets = [set(ids) for ids in matched.values()]
    if not sets:
        return None
    common = set.intersection(*sets)
    return next(iter(common)) if len(common) == 1 else None


def profile_of(session: Session, conv: Conversation) -> Borrower | None:
    """Whose language and country a conversation is served in before it is verified: its
    borrower, or on a shared phone the first of its borrowers (only language and country are
    read from it, never an account detail: members sharing a phone share its language)."""
    if conv.borrower is not None:
        return conv.borrower
    candidates = candidates_for(session, conv)
    return candidates[0] if candidates else None
