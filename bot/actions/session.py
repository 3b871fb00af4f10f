"""Session start: the bot answers in the language Flask sends with the first message."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import LANGUAGE, LANGUAGES


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        # Flask sends {"language": "es"} (or sw, fil, hi, hi_Latn) from the borrower's locale (or, for a number no
        # borrower has, from their words); anything else answers in English.
        metadata = tracker.get_slot("session_started_metadata") or {}
        requested = metadata.get("language") if isinstance(metadata, dict) else None
        return [
            SessionStarted(),
            SlotSet(LANGUAGE, requested if requested in LANGUAGES else "en"),
            ActionExecuted("action_listen"),
        ]
