"""The group disclosure guard for what an officer writes (issue 20).

Group members must never learn each other's debts, and a phone may be shared by several of
them. An officer's reply in one borrower's conversation is refused when it names another
borrower who could be reading it or who shares the group: a member of the same group or a
borrower on the same phone number (their full name, or a whole word of it that is not also in
the case borrower's own name), or their loan number (in any spelling of its letters and digits,
or masked to its last four like "••••3117", the form the bot and console show).
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.models import Borrower, ContactPoint, Loan
from outreach.models.groups import GroupMember

PHONE_CHANNELS = ("sms", "whatsapp")
_MASKED = "[•*xX#.]{2,}"


def _words(name: str) -> set[str]:
    return {w.casefold() for w in re.findall(r"\w{3,}", name)}


def others_in_reach(session: Session, borrower_id: int | None, address: str) -> list[Borrower]:
    """The borrowers, other than ``borrower_id``, in the same group or on the same phone."""
    ids: set[int] = set()
    if address:
        ids |= set(
            session.scalars(
                select(ContactPoint.borrower_id).where(
                    ContactPoint.address == address, ContactPoint.channel.in_(PHONE_CHANNELS)
                )
            )
        )
    if borrower_id is not None:
        groups = select(GroupMember.group_id).where(GroupMember.borrower_id == borrower_id)
        ids |= set(
            session.scalars(select(GroupMember.borrower_id).where(GroupMember.group_id.in_(groups)))
        )
    ids.discard(borrower_id)  # type: ignore[arg-type]
    if not ids:
        return []
    return list(session.scalars(select(Borrower).where(Borrower.id.in_(ids))))


def refusal(session: Session, borrower_id: int | None, address: str, text: str) -> str | None:
    """Why ``text`` may not go to this conversation (a message naming the field), or None."""
    others = others_in_reach(session, borrower_id, address)
    if not others:
        return None
    own = session.get(Borrower, borrower_id) if borrower_id is not None else None
    own_words = _words(own.full_name) if own is not None else set()
    written = text.casefold()
    written_words = set(re.findall(r"\w{3,}", written))
    compact = re.sub(r"[^0-9a-z]", "", written)
    for other in others:
        if other.full_name.casefold() in written or (_words(other.full_name) - own_words) & (
            written_words
        ):
            return "body: names another member of this borrower's group or phone; speak only of the borrower's own loan."
        for number in session.scalars(select(Loan.loan_number).where(Loan.borrower_id == other.id)):
            plain = re.sub(r"[^0-9a-z]", "", number.casefold())
            tail = re.escape(re.sub(r"\D", "", number)[-4:])
            if (plain and plain in compact) or (tail and re.search(_MASKED + tail, text)):
                return "body: names another member's loan number; speak only of the borrower's own loan."
    return None
