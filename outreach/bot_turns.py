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

import requests
from sqlalchemy.orm import Session

from . import audit, clock, conversations, identity_turns, rasa_client
from .bot_locale import guess_language, language_of
from .models import BotTurn, Conversation, Message
from .settings import Settings

log = logging.getLogger(__name__)


def conversation_language(conv: Conversation, text: str) -> str:
    """The borrower's language from their locale; for an unknown number, from their words."""
    if conv.borrower is not None and language_of(conv.borrower.locale):
        return language_of(conv.borrower.locale) or "en"
    return guess_language(text)


def post_turn(
    settings: Settings,
    conversation_id: str,
    text: str,
    metadata: dict[str, Any],
    *,
    placeholder: str | None = None,
) -> list[dict[str, Any]]:
    """The raw reply list from Rasa's REST channel (texts, custom payloads).

    ``placeholder`` is Flask's own intent command standing in for an identity answer
    (``identity_turns``): sent instead of the text, which Rasa then never sees."""
    try:
        resp = requests.post(
            f"{settings.rasa_url}/webhooks/rest/webhook",
            json={
                "sender": conversation_id,
                "message": placeholder or rasa_client.strip_command_prefix(text),
                "metadata": metadata,
            },
            timeout=settings.rasa_timeout_seconds,
        )
        resp.raise_for_status()
        replies = resp.json()
    except (requests.RequestException, ValueError) as exc:
        raise rasa_client.RasaUnavailable(str(exc)) from exc
    return [r for r in replies if isinstance(r, dict)] if isinstance(replies, list) else []


def run_turn(
    session: Session, settings: Settings, conv: Conversation, inbound: Message
) -> list[Message]:
    """Hand the message to the bot and deliver what it answers; never raises for Rasa."""
    language = conversation_language(conv, inbound.body)
    started = time.perf_counter()
    turn = BotTurn(conversation_id=conv.id, message_id=inbound.id, language=language)
    # An answer to an identity question is checked here and masked before Rasa (finding 14).
    placeholder = identity_turns.before_turn(session, settings, conv, inbound, clock.now())
    try:
        elements = post_turn(
            settings, conv.public_id, inbound.body, {"language": language}, placeholder=placeholder
        )
    except rasa_client.RasaUnavailable as exc:
        log.error("Rasa unavailable for conversation %s: %s", conv.public_id, exc)
        audit.record(
            session,
            "system",
            "bot.unavailable",
            subject=f"conversation:{conv.id}",
            borrower_id=conv.borrower_id,
        )
        elements = [{"text": conversations.BOT_UNAVAILABLE}]
        turn.error = "rasa_unavailable"
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
            identity_turns.after_turn(session, conv, info)
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
