"""Balance and next payment for a verified borrower."""

from __future__ import annotations

from dataclasses import asdict

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import BALANCE_SHOWN, language, not_verified_events
from outreach import selfservice


class ActionShowBalance(Action):
    def name(self) -> str:
        return "action_show_balance"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        # The slot only routes the dialogue; the app re-checks authorisation, so a
        # forged or stale slot still discloses nothing.
        view = selfservice.balance_for(tracker.sender_id, language=language(tracker))
        if view is None:
            dispatcher.utter_message(response="utter_need_verification")
            # Emptying the factor slots makes the next identity check ask for them.
            return not_verified_events()

        # Amounts and dates are strings already formatted by the app (never floats here);
        # they fill the {placeholders} of the response.
        response = "utter_balance_past_due" if view.days_past_due > 0 else "utter_balance"
        dispatcher.utter_message(response=response, **asdict(view))
        return [SlotSet(BALANCE_SHOWN, True)]
