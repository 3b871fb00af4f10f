"""One short yes/no question before anything is stored on the account (issue 16).

The reusable piece for every action that changes the account on the borrower's word (a promise,
an opt-out given in words; a wrong-party claim or a settlement follow the same way):

1. the asking action reads the terms back and calls ``ask(kind, response, **values)``, which
   utters the question and returns ``SlotSet("confirm_pending", kind)``;
2. two rules per kind (bot/data/rules/confirm.yml): ``confirm_pending: <kind>`` + ``affirm``
   runs the storing action, + ``deny`` runs ``action_confirm_declined`` (which says
   ``utter_<kind>_not_confirmed``: nothing stored, and what the borrower can do instead);
3. the storing action starts with ``answered_yes(tracker, kind, asked_by)``: true only when the
   slot holds this kind **and** the borrower's yes is the very next message after the question.
   A yes after anything else in between ("what's my balance", then "yes") stores nothing.

The kind is a value of the categorical slot ``confirm_pending`` (bot/domain/confirm.yml): add
yours there, with its two rules and its two responses (en and es).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.common import PROMISE_SLOTS
from outreach import selfservice

CONFIRM_PENDING = "confirm_pending"
# What each kind empties when the borrower does not confirm.
_DISCARD: dict[str, tuple[str, ...]] = {"promise": PROMISE_SLOTS, "opt_out": ()}
_IGNORED = ("action_listen", "action_session_start", "action_unlikely_intent")


def ask(
    dispatcher: CollectingDispatcher, kind: str, response: str, **values: Any
) -> list[EventType]:
    """Ask the borrower ``response`` (which ends "reply YES to confirm") and wait for ``kind``."""
    dispatcher.utter_message(response=response, **values)
    return [SlotSet(CONFIRM_PENDING, kind)]


def answered_yes(tracker: Tracker, kind: str, asked_by: str) -> bool:
    """Whether the latest message answers the ``kind`` question ``asked_by`` asked just before.

    The last action before the latest user message (ignoring listening) must be ``asked_by``:
    the confirmation is for exactly what was read back, and only on the next message."""
    if tracker.get_slot(CONFIRM_PENDING) != kind:
        return False
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return False  # another message came between the question and this answer
            seen_user = True
        elif seen_user and event.get("event") == "action":
            if event.get("name") in _IGNORED:
                continue
            return event.get("name") == asked_by
    return False


def done() -> list[EventType]:
    """The question is answered: nothing pending any more."""
    return [SlotSet(CONFIRM_PENDING, None)]


class ActionConfirmDeclined(Action):
    """The borrower said no (or did not confirm): nothing stored, what they can do instead."""

    def name(self) -> str:
        return "action_confirm_declined"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        kind = tracker.get_slot(CONFIRM_PENDING)
        if kind == "opt_out":  # "no, keep writing to me": the hold ends, the cadence resumes
            selfservice.release_opt_out_hold(tracker.sender_id, "no")
        if kind in _DISCARD:
            dispatcher.utter_message(response=f"utter_{kind}_not_confirmed")
        return [*done(), *(SlotSet(slot, None) for slot in _DISCARD.get(str(kind), ()))]
