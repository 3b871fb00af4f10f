"""The language a conversation is answered in, followed when the borrower switches (issue 16).

Every message is detected (``selfservice.detect.clear_language``: Lingua, restricted to the
configured languages); a clear one sets ``Conversation.language`` and everything the borrower
gets from then on follows it: the bot's responses (Rasa's ``language`` slot is set when it
changes), STOP/START/HELP confirmations and the app's own notices. A message too short or
ambiguous to tell ("ok", "1234", "12/5") keeps the language the conversation has; the first
one falls back on the borrower's locale, or for a number no borrower has, on its words.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import phonenumbers

from outreach.conversations.rasa_client import RasaClient, RasaUnavailable
from outreach.models import Conversation
from outreach.selfservice.detect import clear_language
from outreach.selfservice.locale import guess_language, language_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Followed:
    """The language to answer this message in, and whether it changed with this message."""

    language: str
    switched: bool


def conversation_language(conv: Conversation, text: str) -> str:
    """Before any clear message: the borrower's locale; for an unknown number, their words."""
    if conv.borrower is not None and language_of(conv.borrower.locale):
        return language_of(conv.borrower.locale) or "en"
    return guess_language(text)


def conversation_country(conv: Conversation) -> str | None:
    """The borrower's country, or for a number no borrower has, the number's own country:
    detection weighs only the languages people there write in (config/bot.yaml)."""
    if conv.borrower is not None and conv.borrower.country:
        return conv.borrower.country
    if conv.channel not in ("sms", "whatsapp"):
        return None
    try:
        number = phonenumbers.parse(conv.address.removeprefix("whatsapp:"), None)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.region_code_for_number(number)


def follow_language(conv: Conversation, text: str) -> Followed:
    """Detect ``text``'s language and follow a clear switch (sets ``conv.language``; not
    committed). Call once per inbound message."""
    before = conv.language or conversation_language(conv, text)
    now = clear_language(text, country=conversation_country(conv)) or before
    conv.language = now
    return Followed(now, switched=now != before)


def tell_rasa(rasa: RasaClient, conv: Conversation, followed: Followed) -> None:
    """Rasa reads the language from the metadata only when a session starts: after a switch
    its ``language`` slot is set, so the bot's own responses switch too."""
    if not followed.switched:
        return
    try:
        rasa.set_slots(conv.public_id, {"language": followed.language})
    except RasaUnavailable as exc:  # the turn itself will say Rasa is unavailable
        log.warning("could not switch the bot's language for %s: %s", conv.public_id, exc)
