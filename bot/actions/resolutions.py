"""Settling for less, a payment holiday, waiving fees: the app quotes within the bot's tier,
the borrower confirms, the app stores it; outside the tier a counter-offer, or the proposal
goes to an officer with the case.

Slots: ``resolution_pending`` (terms shown, waiting for yes or no), ``resolution_kind``,
``resolution_amount`` / ``resolution_days`` (the terms shown, which the app quotes again on the
yes), ``resolution_outcome`` (offer | counter) and ``resolution_asked`` (the borrower's own
amount, handed to the officer when they turn a counter-offer down).
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import parsing
from bot.actions.common import PLAN_PENDING, language, latest_intent, not_verified_events
from bot.actions.handoff import hand_off
from outreach.payments import bot_resolutions

KINDS = {"settle": "settlement", "payment_holiday": "holiday", "waive_fees": "waiver"}
SLOTS = (
    "resolution_pending",
    "resolution_kind",
    "resolution_amount",
    "resolution_days",
    "resolution_outcome",
    "resolution_asked",
)
HALF = re.compile(r"\b(half|mitad)\b", re.IGNORECASE)
LENGTH = re.compile(
    r"\b(\d{1,2}|one|two|three|un|una|dos|tres)\s+(month|months|mes|meses|week|weeks|semana|semanas)\b",
    re.IGNORECASE,
)
NUMBERS = {"one": 1, "two": 2, "three": 3, "un": 1, "una": 1, "dos": 2, "tres": 3}
REFUSALS = {
    "borrower_flag": "utter_resolution_not_available",
    "nothing_owed": "utter_resolution_not_available",
    "holiday_not_allowed": "utter_holiday_not_allowed",
    "holiday_too_recent": "utter_holiday_too_recent",
}


def _request_text(tracker: Tracker) -> tuple[str, str]:
    """(kind, text) of the latest resolution request: the identity check may have come between."""
    for event in reversed(tracker.events):
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if event.get("event") == "user" and intent in KINDS:
            return KINDS[intent], str(event.get("text") or "")
    return KINDS.get(latest_intent(tracker) or "", "settlement"), ""


def read_terms(text: str) -> tuple[str | None, str | None]:
    """(amount, days) named in ``text``: "300", "half"; "2 months" -> 60 days."""
    amount = "half" if HALF.search(text) else None
    named = parsing.parse_payment_amount(text)
    if named is not None:
        amount = str(named)
    days = None
    if match := LENGTH.search(text):
        word = match.group(1).lower()
        count = int(word) if word.isdigit() else NUMBERS[word]
        unit = 7 if match.group(2).lower().startswith(("week", "semana")) else 30
        days = str(count * unit)
        amount = None if amount and amount == str(count) else amount
    return amount, days


def _reset() -> list[EventType]:
    return [SlotSet(slot, None) for slot in SLOTS] + [SlotSet("resolution_pending", False)]


def _values(answer: Any) -> dict[str, str]:
    return {k: v for k, v in vars(answer).items() if isinstance(v, str)}


class ActionQuoteResolution(Action):
    def name(self) -> str:
        return "action_quote_resolution"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        kind, text = _request_text(tracker)
        amount, days = read_terms(text)
        answer = bot_resolutions.quote(tracker.sender_id, kind, amount, days, language(tracker))
        if answer is None:  # the app does not confirm verification: nothing is disclosed
            dispatcher.utter_message(response="utter_need_verification")
            return [*_reset(), *not_verified_events()]
        if answer.outcome == "refused":
            dispatcher.utter_message(
                response=REFUSALS.get(answer.refusal, "utter_resolution_not_available")
            )
            return _reset()
        if answer.outcome == "handoff":
            dispatcher.utter_message(response=f"utter_{kind}_to_officer")
            request = {"kind": kind, "amount": amount, "days": days}
            return [*_reset(), *_to_officer(dispatcher, tracker, kind, amount, days, request)]
        dispatcher.utter_message(response=f"utter_{kind}_{answer.outcome}", **_values(answer))
        return [
            SlotSet("resolution_pending", True),
            SlotSet("resolution_kind", kind),
            SlotSet("resolution_amount", answer.amount or None),
            SlotSet("resolution_days", answer.days or None),
            SlotSet("resolution_outcome", answer.outcome),
            SlotSet("resolution_asked", days if kind == "holiday" else amount),
            SlotSet(PLAN_PENDING, False),
        ]


def _to_officer(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    kind: str,
    amount: str | None,
    days: str | None,
    request: dict[str, Any],
) -> list[EventType]:
    """The borrower's own proposal, attached to a new case (stored ``requested``), then the
    usual handoff (the officer's ETA, the bot pauses)."""
    answer = bot_resolutions.hand_off(tracker.sender_id, kind, amount, days, language(tracker))
    if answer is None:
        dispatcher.utter_message(response="utter_need_verification")
        return not_verified_events()
    if answer.outcome == "refused":
        dispatcher.utter_message(
            response=REFUSALS.get(answer.refusal, "utter_resolution_not_available")
        )
        return []
    return hand_off(dispatcher, tracker, f"{kind}_request", request)


class ActionAcceptResolution(Action):
    def name(self) -> str:
        return "action_accept_resolution"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        kind = tracker.get_slot("resolution_kind") or "settlement"
        answer = bot_resolutions.accept(
            tracker.sender_id,
            kind,
            tracker.get_slot("resolution_amount"),
            tracker.get_slot("resolution_days"),
            language(tracker),
        )
        if answer is None:
            dispatcher.utter_message(response="utter_need_verification")
            return [*_reset(), *not_verified_events()]
        if answer.outcome != "accepted":
            dispatcher.utter_message(response="utter_resolution_failed")
            return _reset()
        dispatcher.utter_message(response=f"utter_{kind}_accepted", **_values(answer))
        return _reset()


class ActionDeclineResolution(Action):
    def name(self) -> str:
        return "action_decline_resolution"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        kind = tracker.get_slot("resolution_kind") or "settlement"
        if tracker.get_slot("resolution_outcome") == "counter":
            # A counter-offer turned down: the borrower's own proposal goes to an officer.
            asked = tracker.get_slot("resolution_asked")
            amount, days = (None, asked) if kind == "holiday" else (asked, None)
            dispatcher.utter_message(response=f"utter_{kind}_to_officer")
            request = {"kind": kind, "amount": amount, "days": days}
            return [*_reset(), *_to_officer(dispatcher, tracker, kind, amount, days, request)]
        dispatcher.utter_message(response="utter_resolution_declined")
        return _reset()
