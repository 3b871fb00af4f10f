"""Handing the conversation to a collections officer."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import (
    BALANCE_SHOWN,
    IDENTITY_VERIFIED,
    REASON_REQUESTED,
    REASON_VERIFICATION_FAILED,
    VERIFICATION_LOCKED,
    intent_history,
    slot_is_true,
)
from outreach import bot_services

logger = logging.getLogger(__name__)


def handoff_summary(tracker: Tracker) -> dict[str, Any]:
    """What the officer sees first: no message text, which may hold a date of birth."""
    return {
        "intents": intent_history(tracker),
        "identity_verified": slot_is_true(tracker, IDENTITY_VERIFIED),
        "verification_locked": slot_is_true(tracker, VERIFICATION_LOCKED),
        "balance_shown": slot_is_true(tracker, BALANCE_SHOWN),
    }


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        locked = slot_is_true(tracker, VERIFICATION_LOCKED)
        reason = REASON_VERIFICATION_FAILED if locked else REASON_REQUESTED
        try:
            case_id = bot_services.open_handoff(tracker.sender_id, reason, handoff_summary(tracker))
        except Exception:
            # Without a case nobody would answer a paused conversation: keep the bot on it.
            logger.exception("Could not open a handoff case (reason=%s)", reason)
            dispatcher.utter_message(response="utter_handoff_unavailable")
            return []
        logger.info("Opened handoff case %s (reason=%s)", case_id, reason)
        dispatcher.utter_message(response="utter_handoff")
        # Rasa stops answering; Flask marks the conversation officer-owned. Closing the
        # case POSTs {"event": "resume"} to the tracker events API.
        # A paused Rasa predicts nothing more, so it would never log the action_listen
        # that ends this turn; without it the first message after the resume follows
        # action_handoff directly, matches no rule, and falls back into a second handoff.
        return [ConversationPaused(), ActionExecuted("action_listen")]
