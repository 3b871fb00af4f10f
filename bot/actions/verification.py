"""Identity check: validate_verify_form asks the app whether a date of birth matches.

The bot never compares dates itself and never says whether a borrower exists: an
unknown borrower simply never verifies (outreach.bot_services.verify_identity).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import (
    DATE_OF_BIRTH,
    IDENTITY_VERIFIED,
    VERIFICATION_LOCKED,
    slot_is_true,
)
from outreach import bot_services

# Stored in the slot instead of the date itself: slots travel with every action
# call and into the tracker's state, and the form only needs "filled".
CHECKED = "provided"


class ValidateVerifyForm(FormValidationAction):
    def name(self) -> str:
        return "validate_verify_form"

    def validate_date_of_birth(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        if slot_is_true(tracker, IDENTITY_VERIFIED):
            # Already verified in this session: do not spend an attempt again.
            return {DATE_OF_BIRTH: CHECKED}

        result = bot_services.verify_identity(tracker.sender_id, str(slot_value or ""))

        if result.verified:
            dispatcher.utter_message(response="utter_verified")
            return {DATE_OF_BIRTH: CHECKED, IDENTITY_VERIFIED: True, VERIFICATION_LOCKED: False}

        if result.locked:
            dispatcher.utter_message(response="utter_verification_locked")
            # requested_slot=None ends the form; the rule "too many failed identity
            # checks" (data/rules/handoff.yml) then runs action_handoff. Both flags
            # are set on both outcomes so the rules can tell them apart.
            return {
                DATE_OF_BIRTH: None,
                IDENTITY_VERIFIED: False,
                VERIFICATION_LOCKED: True,
                "requested_slot": None,
            }

        # Same words whether the borrower is unknown or the date is wrong.
        dispatcher.utter_message(
            response="utter_verification_failed", attempts_left=result.attempts_left
        )
        return {DATE_OF_BIRTH: None}
