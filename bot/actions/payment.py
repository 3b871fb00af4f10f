"""Paying now, inside the conversation: the payment link, or an M-Pesa prompt after the
borrower confirms the phone and the amount.

The app decides everything (``outreach.payments.bot_offer``: amount, limits, provider, link,
phone); these actions read the amount the borrower named, say what the app answered and keep
two slots for the M-Pesa confirmation: ``pay_pending`` (waiting for OK / NO / another amount)
and ``pay_amount`` (the amount shown, which the app checks again before the push).
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import parsing
from bot.actions.common import (
    PAY_AMOUNT,
    PAY_PENDING,
    PLAN_PENDING,
    language,
    latest_intent,
    not_verified_events,
    slot_is_true,
)
from outreach.payments import bot_offer

logger = logging.getLogger(__name__)
ACTION_OFFER = "action_offer_payment"
# Messages that may name the amount: the request itself, or the answer to the confirmation.
AMOUNT_INTENTS = ("pay_now", "inform")
REFUSALS = {
    "too_small": "utter_pay_too_small",
    "too_large": "utter_pay_too_large",
    "invalid": "utter_pay_too_small",
    "whole": "utter_pay_whole_shillings",
}
PUSH_REFUSALS = {
    "not_offered": "utter_pay_stk_not_offered",
    "bad_phone": "utter_pay_stk_bad_phone",
    "amount": "utter_pay_stk_amount",
    "too_many": "utter_pay_stk_too_many",
    "provider_down": "utter_pay_stk_provider_down",
}
# After these the paybill is the way left to pay by M-Pesa: say it when the lender has one.
PAYBILL_AFTER = ("not_offered", "bad_phone", "provider_down")


def _text(event_or_message: dict[str, Any] | None) -> str:
    return str((event_or_message or {}).get("text") or "")


def asked_text(tracker: Tracker) -> str:
    """The message to read the amount and purpose from: the latest one when it is a request to
    pay or an answer naming an amount; else (the identity check came in between) the request
    to pay that has not been answered yet, if any."""
    latest = _text(tracker.latest_message) if latest_intent(tracker) in AMOUNT_INTENTS else ""
    if parsing.parse_payment_amount(latest) or parsing.payment_purpose(latest):
        return latest
    for event in reversed(tracker.events):
        if event.get("event") == "action" and event.get("name") == ACTION_OFFER:
            break  # that request was answered: nothing older counts
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if event.get("event") == "user" and intent == "pay_now":
            return _text(event)
    return latest


def _done(**slots: Any) -> list[EventType]:
    """The confirmation slots after this turn (nothing pending unless given)."""
    return [
        SlotSet(PAY_PENDING, slots.get("pending", False)),
        SlotSet(PAY_AMOUNT, slots.get("amount")),
    ]


def offer(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> list[EventType]:
    """Ask the app what to offer for ``text`` ("pay now", "i can pay 50") and say it."""
    named = parsing.parse_payment_amount(text)
    found = bot_offer.offer_payment(
        tracker.sender_id,
        str(named) if named is not None else None,
        language=language(tracker),
        purpose=parsing.payment_purpose(text),
    )
    if found is None:  # not verified in the database: nothing is disclosed
        dispatcher.utter_message(response="utter_need_verification")
        return [*not_verified_events(), *_done()]
    # A plan's terms waiting for OK would take this conversation's next "ok": they lapse.
    events = [SlotSet(PLAN_PENDING, False)] if slot_is_true(tracker, PLAN_PENDING) else []
    values = {k: v for k, v in vars(found).items() if isinstance(v, str)}
    if found.kind == bot_offer.REFUSED:
        dispatcher.utter_message(
            response=REFUSALS.get(found.refusal, "utter_pay_too_small"), **values
        )
        # Still waiting: another amount, OK for the usual amount, or NO.
        return [*events, *_done(pending=True)]
    if found.kind == bot_offer.LINK:
        dispatcher.utter_message(response="utter_pay_link", **values)
        return [*events, *_done()]
    if found.kind == bot_offer.MPESA:
        dispatcher.utter_message(response="utter_pay_mpesa_confirm", **values)
        return [*events, *_done(pending=True, amount=found.amount)]
    dispatcher.utter_message(response="utter_pay_direct", **values)
    if found.paybill:
        dispatcher.utter_message(response="utter_pay_paybill", **values)
    return [*events, *_done()]


class ActionOfferPayment(Action):
    """ "I want to pay now", "pay my instalment", "i can pay 50": the app's offer."""

    def name(self) -> str:
        return ACTION_OFFER

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return offer(dispatcher, tracker, asked_text(tracker))


class ActionStartPayment(Action):
    """OK to the M-Pesa confirmation: the app sends the STK Push to the phone on file."""

    def name(self) -> str:
        return "action_start_payment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        amount = tracker.get_slot(PAY_AMOUNT)
        if not amount:  # OK after a refused amount: the usual amount, confirmed again
            return offer(dispatcher, tracker, "")
        outcome = bot_offer.start_payment(
            tracker.sender_id, str(amount), language=language(tracker)
        )
        if outcome is None:
            dispatcher.utter_message(response="utter_need_verification")
            return [*not_verified_events(), *_done()]
        values = {k: v for k, v in vars(outcome).items() if isinstance(v, str)}
        if outcome.started:
            sent = "utter_pay_stk_sent_paybill" if outcome.paybill else "utter_pay_stk_sent"
            dispatcher.utter_message(response=sent, **values)
            return _done()
        logger.info("STK push refused: %s (conversation %s)", outcome.refusal, tracker.sender_id)
        dispatcher.utter_message(
            response=PUSH_REFUSALS.get(outcome.refusal, "utter_pay_stk_provider_down"), **values
        )
        if outcome.paybill and outcome.refusal in PAYBILL_AFTER:
            dispatcher.utter_message(response="utter_pay_paybill", **values)
        return _done()


class ActionDeclinePayment(Action):
    """NO to the M-Pesa confirmation: nothing is started."""

    def name(self) -> str:
        return "action_decline_payment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_pay_declined")
        return _done()
