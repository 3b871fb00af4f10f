"""What a Twilio inbound webhook must carry before anything is stored (findings 22, 31).

Strict, not normalising: Twilio sends ``From`` and ``To`` in one exact form per channel, so any
other form (``tel:``, full-width digits, a ``whatsapp:`` number on ``/sms``, a doubled prefix) is
not Twilio and is refused rather than guessed at. The same rules apply to a live webhook, to the
demo sandbox phone and to a spooled message replayed later (``outreach.conversations.spool``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import phonenumbers

from outreach.settings import Settings

# Twilio's own cap on a message body (longer texts are refused at Twilio's edge); anything
# longer did not come from a handset and would only tie up the bot.
MAX_BODY_CHARS = 1600
# E.164: "+", a non-zero digit, at most 15 digits in all, ASCII only ("\d" would accept any
# script's digits, e.g. full-width ones).
_E164 = re.compile(r"\+[1-9][0-9]{1,14}")
WHATSAPP_PREFIX = "whatsapp:"


class FormError(ValueError):
    """One field of the form is missing or malformed; ``field`` is its Twilio name."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field, self.problem = field, problem


@dataclass(frozen=True)
class InboundForm:
    channel: str  # sms | whatsapp
    address: str  # the borrower's number, E.164 without any prefix
    body: str
    provider_sid: str


def _e164(raw: str) -> str | None:
    if not _E164.fullmatch(raw):
        return None
    try:
        possible = phonenumbers.is_possible_number(phonenumbers.parse(raw, None))
    except phonenumbers.NumberParseException:
        return None
    return raw if possible else None


def _number(channel: str, raw: str) -> str | None:
    """The E.164 number in ``raw`` if it has exactly the channel's form, else None."""
    if channel == "whatsapp":
        if not raw.startswith(WHATSAPP_PREFIX):
            return None
        raw = raw[len(WHATSAPP_PREFIX) :]
    return _e164(raw)


def parse_inbound(channel: str, form: Mapping[str, str], settings: Settings) -> InboundForm:
    """The message in a signature-verified form, or ``FormError`` naming the first bad field."""
    expected = "whatsapp:+<E.164 number>" if channel == "whatsapp" else "+<E.164 number>"
    sid = form.get("MessageSid", "").strip()
    if not sid:
        raise FormError("MessageSid", "required")
    address = _number(channel, form.get("From", ""))
    if address is None:
        raise FormError("From", f"expected a phone number in the form {expected}")
    to = form.get("To", "")
    if not to:
        raise FormError("To", "required")
    ours = _number(channel, to)
    if ours is None or ours not in settings.our_numbers:
        raise FormError("To", "not one of our numbers for this channel")
    body = form.get("Body", "")
    if len(body) > MAX_BODY_CHARS:
        raise FormError("Body", f"longer than {MAX_BODY_CHARS:,} characters")
    return InboundForm(channel=channel, address=address, body=body, provider_sid=sid)
