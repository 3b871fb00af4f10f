"""The phone an M-Pesa prompt goes to, and how the bot shows it (masked).

The prompt goes to the number on file, never to one the borrower types into the chat: the
number of the SMS or WhatsApp conversation itself (Flask matched it to the borrower), else the
borrower's first valid phone contact point (a web chat).
"""

from __future__ import annotations

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.models import ContactPoint, Conversation

PHONE_CHANNELS = ("sms", "whatsapp")
WHATSAPP_PREFIX = "whatsapp:"
MASK = "•"
SHOWN_AT_END = 3


def phone_on_file(session: Session, conv: Conversation) -> str | None:
    """The E.164 number for this conversation's borrower (None when there is none)."""
    if conv.channel in PHONE_CHANNELS and conv.address:
        return conv.address.removeprefix(WHATSAPP_PREFIX)
    if conv.borrower_id is None:
        return None
    point = session.scalar(
        select(ContactPoint)
        .where(
            ContactPoint.borrower_id == conv.borrower_id,
            ContactPoint.channel.in_(PHONE_CHANNELS),
            ContactPoint.invalid_at.is_(None),
        )
        .order_by((ContactPoint.channel == "sms").desc(), ContactPoint.id)
        .limit(1)
    )
    return point.address.removeprefix(WHATSAPP_PREFIX) if point is not None else None


def mask(phone: str) -> str:
    """``+254712345123`` -> ``+254 7•• ••• 123``: the country code, the first digit and the last
    three, enough for the borrower to recognise the number and for nobody else to learn it."""
    try:
        parsed = phonenumbers.parse(phone, None)
        code, national = f"+{parsed.country_code}", str(parsed.national_number)
    except phonenumbers.NumberParseException:
        code, national = "", "".join(c for c in phone if c.isdigit())
    if len(national) <= SHOWN_AT_END + 1:
        return f"{code} {MASK * len(national)}".strip()
    hidden = national[0] + MASK * (len(national) - 1 - SHOWN_AT_END) + national[-SHOWN_AT_END:]
    # Groups of three, the last one taking what is left (712 345 123; 312 555 0100).
    groups = [hidden[i : i + 3] for i in range(0, len(hidden), 3)]
    if len(groups) > 1 and len(groups[-1]) < 3:
        groups[-2:] = [groups[-2] + groups[-1]]
    return f"{code} {' '.join(groups)}".strip()
