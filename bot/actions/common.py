"""Slot names and small helpers shared by the action modules."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

# Set only by actions (custom slot mappings in bot/domain/*.yml).
IDENTITY_VERIFIED = "identity_verified"
VERIFICATION_LOCKED = "verification_locked"
BALANCE_SHOWN = "balance_shown"
DATE_OF_BIRTH = "date_of_birth"

# Handoff reasons understood by outreach.bot_services.open_handoff.
REASON_REQUESTED = "requested"
REASON_VERIFICATION_FAILED = "verification_failed"

# A long conversation should not make an unbounded case summary.
MAX_INTENTS_IN_SUMMARY = 50


def slot_is_true(tracker: Tracker, name: str) -> bool:
    """True only for a real boolean true, never for a truthy string such as "false"."""
    return tracker.get_slot(name) is True


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
