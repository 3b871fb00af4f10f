"""Balance and next payment for a verified borrower."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import BALANCE_SHOWN, DATE_OF_BIRTH, IDENTITY_VERIFIED
from outreach import bot_services


class ActionShowBalance(Action):
    def name(self) -> str:
        return "action_show_balance"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        # The slot only routes the dialogue; the app re-checks authorisation, so a
        # forged or stale slot still discloses nothing.
        view = bot_services.balance_for(tracker.sender_id)
        if view is None:
            dispatcher.utter_message(response="utter_need_verification")
            return [SlotSet(IDENTITY_VERIFIED, False), SlotSet(DATE_OF_BIRTH, None)]

        # Amounts and dates are strings already formatted by the app (never floats here).
        values: dict[str, Any] = {
            "loan_ref": view.loan_ref,
            "outstanding": view.outstanding,
            "past_due": view.past_due,
            "days_past_due": view.days_past_due,
            "next_due_date": view.next_due_date,
            "next_due_amount": view.next_due_amount,
        }
        response = "utter_balance_past_due" if view.days_past_due > 0 else "utter_balance"
        dispatcher.utter_message(response=response, **values)
        return [SlotSet(BALANCE_SHOWN, True)]
