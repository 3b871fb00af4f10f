"""Instalment plans: terms in any order, checked by the app, confirmed by the borrower."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import parsing, terms
from bot.actions.common import (
    PAY_AMOUNT,
    PAY_PENDING,
    PLAN_ATTEMPTED,
    PLAN_PENDING,
    PLAN_SLOTS,
    latest_intent,
    not_verified_events,
    slot_is_true,
)
from bot.actions.terms import (
    REFUSED,
    TERM_INTENTS,
    ask_app,
    day_named,
    first_found,
    slot_day,
    term_texts,
)
from outreach import selfservice


class ValidatePlanForm(FormValidationAction):
    """Reads every term the latest message names; a bare number answers the question asked."""

    def name(self) -> str:
        return "validate_plan_form"

    def _reads_terms(self, tracker: Tracker) -> bool:
        return latest_intent(tracker) in TERM_INTENTS

    def _requested(self, tracker: Tracker, slot: str) -> bool:
        return tracker.get_slot("requested_slot") == slot

    async def extract_plan_amount(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        requested = self._requested(tracker, "plan_amount")
        amount = first_found(
            term_texts(tracker, "propose_plan"), lambda t: parsing.parse_amount(t, requested)
        )
        # A new amount replaces a counter-offer's first payment too.
        return {"plan_amount": str(amount), "plan_first_amount": None} if amount else {}

    async def extract_plan_count(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        requested = self._requested(tracker, "plan_count")
        texts = term_texts(tracker, "propose_plan")
        count, frequency = first_found(texts, lambda t: parsing.parse_count(t, requested)) or (
            None,
            None,
        )
        found: dict[str, Any] = {"plan_count": str(count)} if count else {}
        if (
            frequency
            and not tracker.get_slot("plan_frequency")
            and not first_found(texts, parsing.parse_frequency)
        ):
            found["plan_frequency"] = frequency  # "for 6 months" implies monthly
        return found

    async def extract_plan_frequency(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        frequency = first_found(term_texts(tracker, "propose_plan"), parsing.parse_frequency)
        return {"plan_frequency": frequency} if frequency else {}

    async def extract_plan_start(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        day = day_named(tracker, "propose_plan")
        return {"plan_start": day.isoformat()} if day else {}

    def validate_plan_amount(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        return {"plan_amount": slot_value}

    def validate_plan_count(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        try:
            ok = 1 <= int(float(slot_value)) <= 520
        except (TypeError, ValueError):
            ok = False
        if not ok:
            dispatcher.utter_message(response="utter_plan_unclear")
        return {"plan_count": str(int(float(slot_value))) if ok else None}

    def validate_plan_start(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        day = slot_day(slot_value)
        if day is None or day < terms.today(tracker):
            dispatcher.utter_message(response="utter_plan_start_invalid")
            return {"plan_start": None}
        return {"plan_start": day.isoformat()}

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        said = len(dispatcher.messages)
        events = await super().run(dispatcher, tracker, domain)
        filled = [
            e
            for e in events
            if e.get("event") == "slot"
            and e.get("name") in PLAN_SLOTS
            and e.get("value") is not None
        ]
        requested = tracker.get_slot("requested_slot")
        if (
            requested
            and not filled
            and self._reads_terms(tracker)
            and len(dispatcher.messages) == said
        ):
            # An answer, but not one the bot could read: say so, keep the form (no rejection).
            dispatcher.utter_message(response="utter_plan_unclear")
            events.append(SlotSet(PLAN_ATTEMPTED, tracker.get_slot(PLAN_ATTEMPTED)))
        return events


def _request(tracker: Tracker) -> selfservice.PlanRequest:
    """The terms in the slots, for the app to check (it re-reads every one)."""
    return selfservice.PlanRequest(
        amount=tracker.get_slot("plan_amount"),
        count=tracker.get_slot("plan_count"),
        frequency=tracker.get_slot("plan_frequency"),
        start=tracker.get_slot("plan_start"),
        first_amount=tracker.get_slot("plan_first_amount"),
    )


def _reset() -> list[EventType]:
    return [SlotSet(slot, None) for slot in PLAN_SLOTS]


def _payment_lapses(tracker: Tracker) -> list[EventType]:
    """An M-Pesa confirmation still waiting would take the "ok" meant for these terms."""
    if not slot_is_true(tracker, PAY_PENDING):
        return []
    return [SlotSet(PAY_PENDING, False), SlotSet(PAY_AMOUNT, None)]


class ActionQuotePlan(Action):
    def name(self) -> str:
        return "action_quote_plan"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        offer = ask_app(
            tracker, "plan terms could not be read", selfservice.quote_plan, _request(tracker)
        )
        if offer is None:  # the app does not confirm verification: nothing is disclosed
            dispatcher.utter_message(response="utter_need_verification")
            return [*_reset(), SlotSet(PLAN_PENDING, False), *not_verified_events()]
        if offer is REFUSED or (not offer.within_policy and offer.counter_offer is None):
            dispatcher.utter_message(response="utter_plan_no_offer")
            return [*_reset(), SlotSet(PLAN_PENDING, False), SlotSet(PLAN_ATTEMPTED, "outside")]
        if offer.within_policy:
            dispatcher.utter_message(response="utter_plan_within", **asdict(offer.proposal))
            return [
                SlotSet(PLAN_PENDING, True),
                SlotSet(PLAN_ATTEMPTED, "within"),
                *_payment_lapses(tracker),
            ]
        counter = offer.counter_offer
        dispatcher.utter_message(
            response="utter_plan_counter", reason=offer.reason, **asdict(counter)
        )
        # The slots now hold the counter-offer: a "yes" accepts exactly what was shown.
        return [
            SlotSet("plan_amount", counter.amount),
            SlotSet("plan_count", str(counter.count)),
            SlotSet("plan_frequency", counter.frequency),
            SlotSet("plan_start", counter.start),
            SlotSet("plan_first_amount", counter.first_amount),
            SlotSet(PLAN_PENDING, True),
            SlotSet(PLAN_ATTEMPTED, "outside"),
            *_payment_lapses(tracker),
        ]


class ActionCreatePlan(Action):
    def name(self) -> str:
        return "action_create_plan"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        confirmation = ask_app(
            tracker, "plan not created", selfservice.accept_plan, _request(tracker)
        )
        if confirmation is None or confirmation is REFUSED:
            dispatcher.utter_message(response="utter_plan_failed")
            return [*_reset(), SlotSet(PLAN_PENDING, False)]
        dispatcher.utter_message(response="utter_plan_created", **asdict(confirmation.terms))
        return [*_reset(), SlotSet(PLAN_PENDING, False), SlotSet(PLAN_ATTEMPTED, "created")]


class ActionDeclinePlan(Action):
    def name(self) -> str:
        return "action_decline_plan"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_plan_declined")
        return [*_reset(), SlotSet(PLAN_PENDING, False)]
