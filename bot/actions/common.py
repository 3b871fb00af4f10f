"""Slot names and small helpers shared by the action modules."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

# Set only by actions (custom slot mappings in bot/domain/*.yml).
IDENTITY_VERIFIED = "identity_verified"
VERIFICATION_LOCKED = "verification_locked"
BALANCE_SHOWN = "balance_shown"
DATE_OF_BIRTH = "date_of_birth"
LOAN_LAST4 = "loan_last4"
POSTAL_CODE = "postal_code"
LANGUAGES = ("en", "es", "sw", "fil", "hi", "hi_Latn")  # domain core.yml
LANGUAGE = "language"
PLAN_SLOTS = ("plan_amount", "plan_frequency", "plan_count", "plan_start", "plan_first_amount")
PLAN_PENDING = "plan_pending"
PLAN_ATTEMPTED = "plan_attempted"
PROMISE_SLOTS = ("promise_date", "promise_amount")
PROMISE_RECORDED = "promise_recorded"
# The M-Pesa confirmation (bot/actions/payment.py): waiting for OK / NO / another amount, and
# the amount shown (the app checks it again).
PAY_PENDING = "pay_pending"
PAY_AMOUNT = "pay_amount"

# Handoff reasons understood by outreach.selfservice.open_handoff.
REASON_REQUESTED = "requested"
REASON_VERIFICATION_FAILED = "verification_failed"
REASON_MISUNDERSTOOD = "misunderstood"
REASON_OPT_OUT_REQUEST = "opt_out_request"
# Intents that flag the account: the flag, the acknowledgement sent before handing off, and the
# one sent when the app only recorded the request for an officer (an unverified web chat:
# nothing was flagged, so nothing may be said to be paused).
FLAGGING_INTENTS = {
    "dispute": ("dispute_open", "utter_dispute_ack", "utter_dispute_referred"),
    "hardship": ("hardship", "utter_hardship_ack", "utter_hardship_ack"),
    "complaint": ("complaint", "utter_complaint_ack", "utter_complaint_ack"),
}
MISUNDERSTOOD_INTENTS = ("nlu_fallback", "out_of_scope")

# A long conversation should not make an unbounded case summary.
MAX_INTENTS_IN_SUMMARY = 50


def not_verified_events() -> list[SlotSet]:
    """What an action sets when the app does not confirm a fresh verification (it expires:
    finding 2): the borrower is not verified, and the factor slots are emptied so the next
    identity check asks for them instead of finding them "provided"."""
    return [SlotSet(IDENTITY_VERIFIED, False)] + [
        SlotSet(slot, None) for slot in (DATE_OF_BIRTH, LOAN_LAST4, POSTAL_CODE)
    ]


def slot_is_true(tracker: Tracker, name: str) -> bool:
    """True only for a real boolean true, never for a truthy string such as "false"."""
    return tracker.get_slot(name) is True


def language(tracker: Tracker) -> str:
    """The language the bot answers in (en, es, sw, fil, hi, hi_Latn), set at session start."""
    value = tracker.get_slot(LANGUAGE)
    return value if value in LANGUAGES else "en"


def latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def intent_history(tracker: Tracker) -> list[str]:
    """Intent names of the borrower's messages, oldest first (no message text: it may hold PII)."""
    intents: list[str] = []
    for event in tracker.events:
        if event.get("event") != "user":
            continue
        parse_data: dict[str, Any] = event.get("parse_data") or {}
        name = (parse_data.get("intent") or {}).get("name")
        if name:
            intents.append(name)
    return intents[-MAX_INTENTS_IN_SUMMARY:]
