"""Identity check: validate_verify_form reads what the app decided about each answer.

The app checks the borrower's own text before Rasa sees it (outreach/conversations/identity_turns.py) and Rasa
gets a placeholder: the slot never holds the answer, and nothing Rasa holds is ever checked
(finding 14). The bot never compares values itself and never says whether a borrower exists or
which factor was wrong: an unknown number or loan simply never verifies (outreach/selfservice/identity.py).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import (
    DATE_OF_BIRTH,
    IDENTITY_VERIFIED,
    LOAN_LAST4,
    POSTAL_CODE,
    VERIFICATION_LOCKED,
    slot_is_true,
)
from outreach import selfservice

# Stored in the slot once a factor is in: the form only needs "filled".
CHECKED = "provided"
FACTOR_SLOTS = (DATE_OF_BIRTH, LOAN_LAST4, POSTAL_CODE)
NOT_UNDERSTOOD = {
    DATE_OF_BIRTH: "utter_not_a_date",
    LOAN_LAST4: "utter_not_last4",
    POSTAL_CODE: "utter_not_postal_code",
}
# Several values in one answer are refused whole, never tried one by one (finding 1).
ONE_VALUE = {
    DATE_OF_BIRTH: "utter_one_date",
    LOAN_LAST4: "utter_not_last4",
    POSTAL_CODE: "utter_one_postal_code",
}


class ValidateVerifyForm(FormValidationAction):
    def name(self) -> str:
        return "validate_verify_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        # The factors this conversation needs, in config/bot.yaml's order (a web visitor who
        # typed the loan number is asked typed_loan_factors instead of its last four digits).
        factors = selfservice.verification_factors(tracker.sender_id)
        return [f for f in factors if f in domain_slots]

    async def next_requested_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventType | None:
        # The SDK picks the next empty factor itself because required_slots is overridden;
        # a lock-out must end the form (the handoff rule takes over), not ask again.
        if slot_is_true(tracker, VERIFICATION_LOCKED):
            return SlotSet("requested_slot", None)
        return await super().next_requested_slot(dispatcher, tracker, domain)

    def _check(
        self, factor: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        result = selfservice.factor_outcome(tracker.sender_id, factor)

        if result is None:
            # The app checked no answer for this message: ask again, nothing is assumed.
            dispatcher.utter_message(response=NOT_UNDERSTOOD[factor])
            return {factor: None}
        if result.verified:
            dispatcher.utter_message(response="utter_verified")
            return {
                **{s: CHECKED for s in FACTOR_SLOTS},
                IDENTITY_VERIFIED: True,
                VERIFICATION_LOCKED: False,
            }
        if result.locked:
            dispatcher.utter_message(
                response="utter_verification_locked", minutes=result.locked_minutes
            )
            # requested_slot=None ends the form; the rule "too many failed identity
            # checks" (data/rules/handoff.yml) then runs action_handoff. Both flags
            # are set on both outcomes so the rules can tell them apart.
            return {
                **{s: None for s in FACTOR_SLOTS},
                IDENTITY_VERIFIED: False,
                VERIFICATION_LOCKED: True,
                "requested_slot": None,
            }
        if result.several:
            dispatcher.utter_message(response=ONE_VALUE[factor])
            return {factor: None}
        if not result.understood:
            # Not a value of this factor at all: ask again, no attempt spent.
            dispatcher.utter_message(response=NOT_UNDERSTOOD[factor])
            return {factor: None}
        if result.pending:
            return {factor: CHECKED}  # nothing said about this factor: the next one decides
        # Same words whether the borrower is unknown or a value is wrong; start over.
        dispatcher.utter_message(
            response="utter_verification_failed", attempts_left=result.attempts_left
        )
        return {s: None for s in FACTOR_SLOTS}

    def validate_date_of_birth(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        return self._check(DATE_OF_BIRTH, dispatcher, tracker)

    def validate_loan_last4(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        return self._check(LOAN_LAST4, dispatcher, tracker)

    def validate_postal_code(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        return self._check(POSTAL_CODE, dispatcher, tracker)
