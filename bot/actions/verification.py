"""Identity check: validate_verify_form gives each factor to the app, which decides.

The bot never compares values itself and never says whether a borrower exists or which
factor was wrong: an unknown number simply never verifies (outreach.bot_services).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import (
    DATE_OF_BIRTH,
    IDENTITY_VERIFIED,
    LOAN_LAST4,
    VERIFICATION_LOCKED,
    slot_is_true,
)
from outreach import bot_services

# Stored in the slot instead of the value itself: slots travel with every action
# call and into the tracker's state, and the form only needs "filled".
CHECKED = "provided"
FACTOR_SLOTS = (DATE_OF_BIRTH, LOAN_LAST4)
NOT_UNDERSTOOD = {DATE_OF_BIRTH: "utter_not_a_date", LOAN_LAST4: "utter_not_last4"}


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
        # Only the factors config/bot.yaml asks for, in its order.
        factors = bot_services.verification_factors()
        return [f for f in factors if f in domain_slots]

    def _check(
        self, factor: str, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        if slot_is_true(tracker, IDENTITY_VERIFIED):
            # Already verified in this session: do not spend an attempt again.
            return {factor: CHECKED}

        result = bot_services.submit_factor(tracker.sender_id, factor, str(slot_value or ""))

        if result.verified:
            dispatcher.utter_message(response="utter_verified")
            return {
                **{s: CHECKED for s in FACTOR_SLOTS},
                IDENTITY_VERIFIED: True,
                VERIFICATION_LOCKED: False,
            }
        if result.locked:
            dispatcher.utter_message(response="utter_verification_locked")
            # requested_slot=None ends the form; the rule "too many failed identity
            # checks" (data/rules/handoff.yml) then runs action_handoff. Both flags
            # are set on both outcomes so the rules can tell them apart.
            return {
                **{s: None for s in FACTOR_SLOTS},
                IDENTITY_VERIFIED: False,
                VERIFICATION_LOCKED: True,
                "requested_slot": None,
            }
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
        return self._check(DATE_OF_BIRTH, slot_value, dispatcher, tracker)

    def validate_loan_last4(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        return self._check(LOAN_LAST4, slot_value, dispatcher, tracker)
