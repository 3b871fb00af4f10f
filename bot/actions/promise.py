"""Promises to pay (a date within the configured maximum, an amount) and payment methods."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Any

from babel.dates import format_skeleton
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import confirm, parsing, terms
from bot.actions.common import PROMISE_RECORDED, PROMISE_SLOTS, language, not_verified_events
from bot.actions.terms import REFUSED, ask_app, day_named, first_found, slot_day, term_texts
from outreach import selfservice
from outreach.payments import bot_methods
from outreach.payments.bot_methods import as_list


class ValidatePromiseForm(FormValidationAction):
    def name(self) -> str:
        return "validate_promise_form"

    async def extract_promise_date(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        day = day_named(tracker, "promise_to_pay")
        return {"promise_date": day.isoformat()} if day else {}

    async def extract_promise_amount(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        requested = tracker.get_slot("requested_slot") == "promise_amount"

        def read(text: str) -> str | None:
            if parsing.wants_all(text):
                return "all"
            amount = parsing.parse_amount(text, requested)
            return str(amount) if amount is not None else None

        amount = first_found(term_texts(tracker, "promise_to_pay"), read)
        return {"promise_amount": amount} if amount else {}

    def validate_promise_date(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        day = slot_day(slot_value)
        if day is None:
            return {"promise_date": None}
        max_days = selfservice.promise_limit()
        today = terms.today(tracker)
        if day < today:
            dispatcher.utter_message(response="utter_promise_in_past")
            return {"promise_date": None}
        if (day - today).days > max_days:
            latest = today + timedelta(days=max_days)
            dispatcher.utter_message(
                response="utter_promise_too_late",
                max_days=max_days,
                # Month and day in the language's own order ("4 de diciembre", "4 Desemba").
                latest=format_skeleton("MMMMd", latest, locale=language(tracker)),
            )
            return {"promise_date": None}
        return {"promise_date": day.isoformat()}

    def validate_promise_amount(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        return {"promise_amount": slot_value}


class ActionConfirmPromise(Action):
    """Reads the promise back ("So you'll pay $100.00 on Friday, December 4, 2026 — reply YES
    to confirm") before anything is stored: a promise needs the borrower's yes (issue 16)."""

    def name(self) -> str:
        return "action_confirm_promise"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reset = [SlotSet(slot, None) for slot in PROMISE_SLOTS]
        view = ask_app(
            tracker,
            "promise not read back",
            selfservice.preview_promise,
            str(tracker.get_slot("promise_date") or ""),
            tracker.get_slot("promise_amount"),
        )
        if view is REFUSED:
            dispatcher.utter_message(response="utter_promise_failed")
            return reset
        if view is None:
            dispatcher.utter_message(response="utter_need_verification")
            return [*reset, *not_verified_events()]
        return confirm.ask(dispatcher, "promise", "utter_confirm_promise", **asdict(view))


class ActionRecordPromise(Action):
    """Stores the promise read back, on the borrower's yes to that very question."""

    def name(self) -> str:
        return "action_record_promise"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reset = [*(SlotSet(slot, None) for slot in PROMISE_SLOTS), *confirm.done()]
        if not confirm.answered_yes(tracker, "promise", "action_confirm_promise"):
            dispatcher.utter_message(response="utter_promise_not_confirmed")
            return reset
        view = ask_app(
            tracker,
            "promise not recorded",
            selfservice.promise_to_pay,
            str(tracker.get_slot("promise_date") or ""),
            tracker.get_slot("promise_amount"),
        )
        if view is REFUSED:
            dispatcher.utter_message(response="utter_promise_failed")
            return reset
        if view is None:  # not verified in the database: nothing recorded, nothing said
            dispatcher.utter_message(response="utter_need_verification")
            return [*reset, *not_verified_events()]
        dispatcher.utter_message(response="utter_promise_recorded", **asdict(view))
        return [*reset, SlotSet(PROMISE_RECORDED, True)]


class ActionPaymentMethods(Action):
    """Ways to pay, with the borrower's own payment link once verified (before that the app
    withholds it: the bot says "pay now" gets it after the identity check)."""

    def name(self) -> str:
        return "action_payment_methods"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        view = bot_methods.payment_methods(tracker.sender_id, language(tracker))
        dispatcher.utter_message(response="utter_payment_methods", methods=as_list(view.lines))
        if view.withheld:
            dispatcher.utter_message(response="utter_pay_link_after_check")
        return []
