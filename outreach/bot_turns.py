"""One bot turn from Flask's side: send the borrower's message to Rasa, deliver the replies,
log what happened (intent, confidence, language, actions) as a ``BotTurn`` row.

Rasa's REST channel is replaced by ``bot/turn_channel.py`` (same URL, same reply list), which
appends one ``{"custom": {"turn": {...}}}`` element describing the turn. A reply the bot marks
``{"custom": {"send_as": "keyword_confirmation", "text": ...}}`` (the opt-out confirmation) is
sent like a STOP confirmation: an opted-out number still gets that one message.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from sqlalchemy.orm import Session

from . import audit, conversations, rasa_client
from .bot_locale import guess_language, language_of
from .bot_notices import notice
from .models import BotTurn, Conversation, Message
from .settings import Settings

log = logging.getLogger(__name__)


def conversation_language(conv: Conversation, text: str) -> str:
    """The borrower's language from their locale; for an unknown number, from their words."""
    if conv.borrower is not None and language_of(conv.borrower.locale):
        return language_of(conv.borrower.locale) or "en"
    return guess_language(text)


def _ask_rasa(
    session: Session,
    settings: Settings,
    conv: Conversation,
    inbound: Message,
    language: str,
    turn: BotTurn,
) -> list[dict[str, Any]]:
    """Rasa's reply list, or the notice that stands in for it when Rasa cannot be asked."""
    try:
        return rasa_client.post_turn(settings, conv.public_id, inbound.body, {"language": language})
    except rasa_client.RasaBusy:
        # Logged by rasa_client; the borrower hears at once instead of waiting behind a hung Rasa.
        turn.error = "rasa_busy"
        return [{"text": notice("busy", language)}]
    except rasa_client.RasaUnavailable as exc:
        log.error("Rasa unavailable for conversation %s: %s", conv.public_id, exc)
        audit.record(
            session,
            "system",
            "bot.unavailable",
            subject=f"conversation:{conv.id}",
            borrower_id=conv.borrower_id,
        )
        turn.error = "rasa_unavailable"
        return [{"text": notice("unavailable", language)}]


def run_turn(
    session: Session, settings: Settings, conv: Conversation, inbound: Message
) -> list[Message]:
    """Hand the message to the bot and deliver what it answers; never raises for Rasa, and
    never leaves the borrower without an answer."""
    language = conversation_language(conv, inbound.body)
    started = time.perf_counter()
    turn = BotTurn(conversation_id=conv.id, message_id=inbound.id, language=language)
    if not inbound.body.strip():
        # An MMS with only a picture (Twilio: NumMedia, MediaUrl0, empty Body) or a blank text
        # has no words for the NLU: Rasa raised and the borrower heard nothing, while the turn
        # log showed the previous intent (security finding 21). Say so; no Rasa call.
        log.info("message %s has no text: text-only notice sent", inbound.id)
        turn.error = "no_text"
        elements: list[dict[str, Any]] = [{"text": notice("text_only", language)}]
    else:
        elements = _ask_rasa(session, settings, conv, inbound, language, turn)
    turn.latency_ms = int((time.perf_counter() - started) * 1000)
    session.refresh(conv)  # actions may have changed ownership or verification meanwhile
    replies: list[Message] = []
    for element in elements:
        custom = element.get("custom") if isinstance(element.get("custom"), dict) else {}
        if "turn" in custom and isinstance(custom["turn"], dict):
            info = custom["turn"]
            turn.intent = str(info.get("intent") or "")[:64] or None
            confidence = info.get("confidence")
            turn.confidence = float(confidence) if isinstance(confidence, int | float) else None
            turn.actions = [str(a)[:64] for a in info.get("actions") or []][:50]
        elif custom.get("send_as") == "keyword_confirmation" and custom.get("text"):
            replies.append(conversations._system_send(session, settings, conv, str(custom["text"])))
        elif element.get("text"):
            replies.append(
                conversations.reply(session, settings, conv, element["text"], sender="bot")
            )
    turn.reply_ids = [m.id for m in replies]
    session.add(turn)
    session.commit()
    return replies
