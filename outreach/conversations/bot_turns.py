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

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach import clock
from outreach.audit import log as audit
from outreach.channels import Channels
from outreach.conversations import identity_turns, intent_check
from outreach.conversations import resume as bot_resume
from outreach.conversations.handoffs import HANDOFF_INTENTS, open_case
from outreach.conversations.language import Followed, follow_language, tell_rasa
from outreach.conversations.notices import notice
from outreach.conversations.plain_words import plain_words
from outreach.conversations.rasa_client import RasaBusy, RasaClient, RasaUnavailable
from outreach.conversations.replies import send_keyword_confirmation, send_reply
from outreach.models import BotTurn, Conversation, Message
from outreach.selfservice.hours import handoff_eta
from outreach.settings import Settings

log = logging.getLogger(__name__)


def _ask_rasa(
    session: Session,
    rasa: RasaClient,
    conv: Conversation,
    inbound: Message,
    language: str,
    turn: BotTurn,
    placeholder: str | None = None,
) -> list[dict[str, Any]]:
    """Rasa's reply list, or the notice that stands in for it when Rasa cannot be asked.
    ``placeholder`` stands in for an identity answer Flask checked itself (finding 14)."""
    try:
        return rasa.post_turn(
            conv.public_id, inbound.body, {"language": language}, placeholder=placeholder
        )
    except RasaBusy:
        # Logged by the client; the borrower hears at once instead of waiting behind a hung Rasa.
        turn.error = "rasa_busy"
        return [{"text": notice("busy", language)}]
    except RasaUnavailable as exc:
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


def _converse(
    session: Session,
    rasa: RasaClient,
    conv: Conversation,
    inbound: Message,
    language: str,
    turn: BotTurn,
) -> list[dict[str, Any]]:
    """Rasa's replies for this message, or the notice that stands in for them."""
    if not inbound.body.strip():
        # An MMS with only a picture (Twilio: NumMedia, MediaUrl0, empty Body) or a blank text
        # has no words for the NLU: Rasa raised and the borrower heard nothing, while the turn
        # log showed the previous intent (security finding 21). Say so; no Rasa call.
        log.info("message %s has no text: text-only notice sent", inbound.id)
        turn.error = "no_text"
        return [{"text": notice("text_only", language)}]
    if not plain_words(inbound.body):
        # Only intent syntax ("/inform{...}"): nothing a borrower means is left (issue 16).
        log.info("message %s is only intent syntax: not sent to the bot", inbound.id)
        turn.error = "no_words"
        return [{"text": notice("no_words", language)}]
    # An answer to an identity question is checked here and masked before Rasa (finding 14).
    placeholder = identity_turns.before_turn(session, rasa, conv, inbound, clock.now())
    if placeholder is None:
        # An unsure reading of an intent that acts on the account is asked about (issue 16).
        decision = intent_check.before_turn(rasa, conv, inbound, language)
        session.commit()  # never hold a write open through the Rasa call below
        if decision.reply is not None:
            turn.intent, turn.confidence = decision.intent, decision.confidence
            return [{"text": decision.reply}]
        placeholder = decision.placeholder
    if conv.resume_pending_since is not None and not bot_resume.retry_resume(session, rasa, conv):
        # Rasa is still paused on this conversation and would answer nothing (finding 6).
        turn.error = "resume_pending"
        return [{"text": notice("unavailable", language)}]
    elements = _ask_rasa(session, rasa, conv, inbound, language, turn, placeholder)
    if _summary(elements).get("paused") is True:
        session.refresh(conv)
        if conv.owner == "bot":
            # Paused in Rasa while no officer has it (a resume that never arrived): the borrower
            # would hear nothing. Mark it, resume, and ask again once (finding 6).
            log.error("Rasa paused on bot-owned conversation %s: resuming", conv.public_id)
            conv.resume_pending_since = clock.now()
            session.commit()
            resumed = bot_resume.retry_resume(session, rasa, conv)
            if resumed:
                elements = _ask_rasa(session, rasa, conv, inbound, language, turn, placeholder)
            if not resumed or _summary(elements).get("paused") is True:
                turn.error = "resume_pending"
                return [{"text": notice("unavailable", language)}]
    return elements


def run_turn(
    session: Session,
    settings: Settings,
    rasa: RasaClient,
    channels: Channels,
    conv: Conversation,
    inbound: Message,
    followed: Followed | None = None,
) -> list[Message]:
    """Hand the message to the bot (through ``rasa``) and deliver what it answers (through
    ``channels``); never raises for Rasa, and never leaves the borrower without an answer.
    ``followed``: the language ``route_inbound`` followed for this message (else detected here)."""
    followed = followed or follow_language(conv, inbound.body)
    language = followed.language
    if session.scalar(select(BotTurn.id).where(BotTurn.conversation_id == conv.id).limit(1)):
        # A switch in a session Rasa already started. The first turn needs no slot call: the
        # session starts with the language in its metadata, and setting a slot first would
        # start the session without it (Rasa's SQL tracker store then keeps "en").
        tell_rasa(rasa, conv, followed)
    started = time.perf_counter()
    turn = BotTurn(conversation_id=conv.id, message_id=inbound.id, language=language)
    elements = _converse(session, rasa, conv, inbound, language, turn)
    turn.latency_ms = int((time.perf_counter() - started) * 1000)
    session.refresh(conv)  # actions may have changed ownership or verification meanwhile
    info = _summary(elements)
    if info:  # else the app answered itself (and may have logged the intent it asked about)
        turn.intent = str(info.get("intent") or "")[:64] or None
        confidence = info.get("confidence")
        turn.confidence = float(confidence) if isinstance(confidence, int | float) else None
    turn.actions = [str(a)[:64] for a in info.get("actions") or []][:50]
    if info:
        identity_turns.after_turn(session, conv, info)
        if "active_loop" in info:  # inside a form, answers are the form's: intent_check
            conv.bot_form = str(info.get("active_loop") or "")[:32] or None
    failed = [str(a)[:64] for a in info.get("failed_actions") or []][:10]
    if failed or info.get("turn_failed") is True:
        elements = _after_bot_failure(session, conv, turn, elements, failed, language)
    replies: list[Message] = []
    for element in elements:
        custom = element.get("custom") if isinstance(element.get("custom"), dict) else {}
        if custom.get("send_as") == "keyword_confirmation" and custom.get("text"):
            text = str(custom["text"])
            replies.append(send_keyword_confirmation(session, settings, channels, conv, text))
        elif element.get("text") and "turn" not in custom:
            text = element["text"]
            replies.append(send_reply(session, settings, channels, conv, text, sender="bot"))
    turn.reply_ids = [m.id for m in replies]
    session.add(turn)
    session.commit()
    return replies


def _summary(elements: list[dict[str, Any]]) -> dict[str, Any]:
    """The turn summary bot/turn_channel.py appends (empty when Rasa was not asked)."""
    for element in elements:
        custom = element.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("turn"), dict):
            return custom["turn"]
    return {}


def _after_bot_failure(
    session: Session,
    conv: Conversation,
    turn: BotTurn,
    elements: list[dict[str, Any]],
    failed: list[str],
    language: str,
) -> list[dict[str, Any]]:
    """What the borrower gets when an action failed or the turn raised (security finding 17).

    Rasa carries on after a failed action as if it had run, so its texts ("Sorry, I didn't get
    that", a question from a form that never started) are not sent: the borrower is told that
    something went wrong. A request for a person still reaches one: the app opens the case the
    action could not. A keyword confirmation (an opt-out that was done) is still sent.
    """
    turn.error = (f"action_failed: {', '.join(failed)}" if failed else "turn_failed")[:200]
    log.error("bot turn failed on conversation %s: %s", conv.public_id, turn.error)
    audit.record(
        session,
        "system",
        "bot.action_failed",
        subject=f"conversation:{conv.id}",
        borrower_id=conv.borrower_id,
        details={"actions": failed, "intent": turn.intent},
    )
    reason = HANDOFF_INTENTS.get(turn.intent or "")
    if reason is None and ("action_handoff" in failed or conv.owner == "officer"):
        # A handoff the bot decided on (failed checks, misunderstandings), or a case opened
        # before the failure: either way the borrower is with the officers now.
        reason = "requested"
    if reason is not None:
        summary = {"reason": reason, "intents": [turn.intent], "language": language}
        open_case(session, conv, reason, {**summary, "opened_by": "app", "bot_error": turn.error})
        told = notice("handed_off", language, when=handoff_eta(language))
    else:
        told = notice("action_failed", language)
    confirmations = [
        e
        for e in elements
        if isinstance(e.get("custom"), dict)
        and e["custom"].get("send_as") == "keyword_confirmation"
    ]
    return [*confirmations, {"text": told}]
