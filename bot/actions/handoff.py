"""Handing the conversation to a collections officer; misunderstandings; opting out in words."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import care_consent, confirm
from bot.actions.common import (
    BALANCE_SHOWN,
    FLAGGING_INTENTS,
    IDENTITY_VERIFIED,
    MISUNDERSTOOD_INTENTS,
    PLAN_ATTEMPTED,
    PROMISE_RECORDED,
    REASON_MISUNDERSTOOD,
    REASON_OPT_OUT_REQUEST,
    REASON_REQUESTED,
    REASON_VERIFICATION_FAILED,
    VERIFICATION_LOCKED,
    intent_history,
    language,
    latest_intent,
    slot_is_true,
)
from outreach import selfservice

logger = logging.getLogger(__name__)


def handoff_summary(
    tracker: Tracker, reason: str | None = None, request: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What the officer sees first: no message text, which may hold a date of birth.
    ``request``: an account effect the bot did not apply (unverified web chat) for the
    officer to decide."""
    summary = {
        "reason": reason,
        "intents": intent_history(tracker),
        "identity_verified": slot_is_true(tracker, IDENTITY_VERIFIED),
        "verification_locked": slot_is_true(tracker, VERIFICATION_LOCKED),
        "balance_shown": slot_is_true(tracker, BALANCE_SHOWN),
        "plan_attempted": tracker.get_slot(PLAN_ATTEMPTED),
        "promise_recorded": slot_is_true(tracker, PROMISE_RECORDED),
        "language": language(tracker),
    }
    if request is not None:
        summary["request"] = request
    return summary


def hand_off(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    reason: str,
    request: dict[str, Any] | None = None,
) -> list[EventType]:
    """Open the case, tell the borrower when a person will answer, pause the bot."""
    try:
        case_id = selfservice.open_handoff(
            tracker.sender_id, reason, handoff_summary(tracker, reason, request)
        )
    except Exception:
        # Without a case nobody would answer a paused conversation: keep the bot on it.
        logger.exception("Could not open a handoff case (reason=%s)", reason)
        dispatcher.utter_message(response="utter_handoff_unavailable")
        return []
    logger.info("Opened handoff case %s (reason=%s)", case_id, reason)
    dispatcher.utter_message(
        response="utter_handoff", when=selfservice.handoff_eta(language(tracker))
    )
    # Rasa stops answering; Flask marks the conversation officer-owned. Closing the
    # case POSTs {"event": "resume"} to the tracker events API.
    # A paused Rasa predicts nothing more, so it would never log the action_listen
    # that ends this turn; without it the first message after the resume follows
    # action_handoff directly, matches no rule, and falls back into a second handoff.
    return [ConversationPaused(), ActionExecuted("action_listen")]


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent = latest_intent(tracker)
        if slot_is_true(tracker, VERIFICATION_LOCKED) and intent not in FLAGGING_INTENTS:
            return hand_off(dispatcher, tracker, REASON_VERIFICATION_FAILED)
        if intent == "hardship":
            # A disclosure of hardship or vulnerability: TEXAS (FCA FG21/1) instead of a
            # flag: thank, explain, ask consent before recording (bot/actions/care.py).
            asked = care_consent.ask_vulnerability_consent(dispatcher, tracker)
            if asked is not None:
                return asked
            # A stated risk to life: the crisis line went first; a person now.
            return [
                SlotSet(care_consent.CARE_PENDING, None),
                *hand_off(dispatcher, tracker, "crisis"),
            ]
        if intent in FLAGGING_INTENTS:
            flag, acknowledgement, referred_ack = FLAGGING_INTENTS[intent]
            effect = None
            try:
                effect = selfservice.flag_account(tracker.sender_id, flag)
            except Exception:  # the officer still gets the case with its reason
                logger.exception("Could not flag the account (flag=%s)", flag)
            if effect == selfservice.AccountEffect.REFERRED:
                # Unverified web chat: nothing was flagged; the officer decides (finding 9).
                dispatcher.utter_message(response=referred_ack)
                request = {"kind": "flag", "flag": flag, "applied": False, "verified": False}
                return hand_off(dispatcher, tracker, intent, request)
            dispatcher.utter_message(response=acknowledgement)
            return hand_off(dispatcher, tracker, intent)
        return hand_off(dispatcher, tracker, REASON_REQUESTED)


def consecutive_misunderstandings(tracker: Tracker) -> int:
    """How many of the borrower's latest messages in a row the bot could not understand."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if name not in MISUNDERSTOOD_INTENTS:
            break
        count += 1
    return count


class ActionFallback(Action):
    """Says what the bot can do; the second misunderstanding in a row goes to a person."""

    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if consecutive_misunderstandings(tracker) >= 2:
            dispatcher.utter_message(response="utter_misunderstood_handoff")
            return hand_off(dispatcher, tracker, REASON_MISUNDERSTOOD)
        dispatcher.utter_message(response="utter_default")
        return []


class ActionAskOptOut(Action):
    """Opt-out in words the keyword layer did not catch ("take me off your list"): the NLU's
    reading is confirmed in one question first (issue 16: "restructure my payments" was read as
    opt_out). STOP and the explicit phrases never get here: they take effect at once (TCPA,
    47 CFR 64.1200(a)(10); keywords.py). While the question waits, automated collection holds
    back (selfservice.hold_for_opt_out): an unanswered question must not mean more reminders."""

    def name(self) -> str:
        return "action_ask_opt_out"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        selfservice.hold_for_opt_out(tracker.sender_id)
        return confirm.ask(dispatcher, "opt_out", "utter_confirm_opt_out")


class ActionOptOut(Action):
    """The borrower confirmed the opt-out asked in words: same effect as STOP."""

    def name(self) -> str:
        return "action_opt_out"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if not confirm.answered_yes(tracker, "opt_out", "action_ask_opt_out"):
            dispatcher.utter_message(response="utter_opt_out_not_confirmed")
            return confirm.done()
        effect = selfservice.opt_out(tracker.sender_id)
        selfservice.release_opt_out_hold(tracker.sender_id, "yes")
        if effect == selfservice.AccountEffect.REFERRED:
            # Unverified web chat: nothing was opted out; an officer confirms it with the
            # borrower (finding 9). The case carries the request.
            dispatcher.utter_message(response="utter_opt_out_referred")
            request = {"kind": "opt_out", "applied": False, "verified": False}
            return [
                *confirm.done(),
                *hand_off(dispatcher, tracker, REASON_OPT_OUT_REQUEST, request),
            ]
        if effect == selfservice.AccountEffect.APPLIED:
            # One confirmation at most: the app sends it like a STOP confirmation.
            dispatcher.utter_message(
                response="utter_opt_out_confirmed", lender=selfservice.lender_name()
            )
        return confirm.done()
