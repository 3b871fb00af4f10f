"""The first care step, shared by action_handoff (a hardship disclosure) and the care actions:
Thank and Explain, then ask consent before anything is recorded (FCA FG21/1); or, on a stated
risk to life, the crisis line at once. Imports no other action module (no cycles)."""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from outreach import selfservice
from outreach.selfservice.care_config import care_config

logger = logging.getLogger(__name__)

CARE_PENDING = "care_pending"
CARE_KIND = "care_kind"


def _text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def crisis_notice(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """A stated risk to life: pause collection, open the case, send the crisis line first.
    The caller hands off at once (reason ``crisis``)."""
    try:
        advice = selfservice.record_vulnerability(
            tracker.sender_id, "mental_health", False, crisis=True
        )
        line = advice.crisis
    except Exception:  # the crisis line is sent even when the app cannot be reached
        logger.exception("Could not record the crisis pause")
        line = care_config().advice["default"].crisis
    dispatcher.utter_message(response="utter_crisis", crisis_line=line)


def ask_vulnerability_consent(
    dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType] | None:
    """Thank, Explain, ask (nothing recorded yet). None when the message states a risk to
    life: the crisis notice was sent and the caller must hand off now."""
    text = _text(tracker)
    if selfservice.states_risk(text):
        crisis_notice(dispatcher, tracker)
        return None
    dispatcher.utter_message(response="utter_vulnerability_ask")
    return [
        SlotSet(CARE_PENDING, "vulnerability"),
        SlotSet(CARE_KIND, selfservice.disclosure_kind(text)),
    ]
