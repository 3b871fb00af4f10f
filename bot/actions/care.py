"""Care flows: a number that reaches someone else, a disclosed vulnerability (FCA FG21/1:
Thank, Explain, eXplicit consent, Ask, Signpost) and "I already paid".

Nothing is stored before the borrower's yes to one short question (``care_pending`` holds which
one). No reply here names the borrower or shows an account detail: a wrong party learns nothing.
"""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.care_consent import CARE_KIND, CARE_PENDING, crisis_notice
from bot.actions.common import latest_intent
from bot.actions.handoff import hand_off
from outreach import selfservice
from outreach.selfservice.care_config import care_config

logger = logging.getLogger(__name__)

PAUSED = [ConversationPaused(), ActionExecuted("action_listen")]


def crisis(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    crisis_notice(dispatcher, tracker)
    return [SlotSet(CARE_PENDING, None), *hand_off(dispatcher, tracker, "crisis")]


class ActionCrisis(Action):
    def name(self) -> str:
        return "action_crisis"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return crisis(dispatcher, tracker)


class ActionWrongPartyAsk(Action):
    """One short question before the number is marked (the claim may be a misreading)."""

    def name(self) -> str:
        return "action_wrong_party_ask"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_wrong_party_confirm")
        return [SlotSet(CARE_PENDING, "wrong_party")]


class ActionCareAnswer(Action):
    """The borrower's yes or no to the open care question."""

    def name(self) -> str:
        return "action_care_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        pending = tracker.get_slot(CARE_PENDING)
        yes = latest_intent(tracker) == "affirm"
        cleared = [SlotSet(CARE_PENDING, None)]
        if pending == "wrong_party":
            if not yes:
                dispatcher.utter_message(response="utter_wrong_party_kept")
                return cleared
            try:
                selfservice.report_wrong_party(tracker.sender_id)
            except Exception:
                logger.exception("Could not record a wrong-party report")
                dispatcher.utter_message(response="utter_handoff_unavailable")
                return cleared
            # One reply, and the bot stops: the officer task is in the console queue.
            dispatcher.utter_message(response="utter_wrong_party_done")
            return [*cleared, *PAUSED]
        if pending == "vulnerability":
            days = care_config().breathing_space_days
            try:
                advice = selfservice.record_vulnerability(
                    tracker.sender_id, tracker.get_slot(CARE_KIND) or "other", yes
                )
            except Exception:
                logger.exception("Could not record the breathing space")
                dispatcher.utter_message(response="utter_handoff_unavailable")
                return cleared
            response = "utter_vulnerability_recorded" if yes else "utter_vulnerability_not_recorded"
            dispatcher.utter_message(response=response, days=days, debt_advice=advice.debt)
            return [*cleared, SlotSet(CARE_KIND, None), *hand_off(dispatcher, tracker, "care")]
        dispatcher.utter_message(response="utter_ok")
        return cleared


class ActionRecordPaymentClaim(Action):
    """When and how the borrower says they paid, for an officer to verify."""

    def name(self) -> str:
        return "action_record_payment_claim"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        when = str(tracker.get_slot("claim_when") or "")
        how = str(tracker.get_slot("claim_how") or "")
        cleared = [SlotSet("claim_when", None), SlotSet("claim_how", None)]
        try:
            claim_id = selfservice.record_payment_claim(tracker.sender_id, when, how)
        except Exception:
            logger.exception("Could not record a payment claim")
            claim_id = None
        if claim_id is None:
            dispatcher.utter_message(response="utter_claim_failed")
            return cleared
        dispatcher.utter_message(
            response="utter_claim_recorded", days=care_config().claim_pause_days
        )
        return cleared
