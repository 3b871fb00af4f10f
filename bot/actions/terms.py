"""Terms of plans and promises: reading them from the borrower's messages, handing them to the app.

Shared by the plan form (``bot.actions.plans``) and the promise form (``bot.actions.promise``).
Days count from the borrower's own date (:func:`today`, looked up on this module at call time so
tests fix it in one place).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from enum import Enum
from typing import Any

from rasa_sdk import Tracker

from bot.actions import parsing
from bot.actions.common import language, latest_intent
from outreach import selfservice

logger = logging.getLogger(__name__)
# Only these intents carry terms; anything else ("agent", "i dispute this") is left to the
# rules, even if the message happens to hold a number.
TERM_INTENTS = ("inform", "propose_plan", "provide_date", "promise_to_pay", "affirm")


class Refusal(Enum):
    """The app raised ValueError on the terms: malformed, outside the limits, or a date beyond
    the maximum (unlike None, which means it did not confirm the verification)."""

    REFUSED = "refused"


REFUSED = Refusal.REFUSED


def today(tracker: Tracker) -> date:
    """The borrower's own date (their zone, from the app's clock): "friday" means their Friday."""
    return selfservice.borrower_today(tracker.sender_id)


def _text(tracker: Tracker) -> str:
    return str((tracker.latest_message or {}).get("text") or "")


def term_texts(tracker: Tracker, trigger: str) -> list[str]:
    """The texts to read terms from: the latest message and, when the form is just starting
    (nothing requested yet), the message that asked for it, which may have come before the
    identity check ("i'll pay in 3 days" -> date of birth -> last four -> the form)."""
    texts = [_text(tracker)] if latest_intent(tracker) in TERM_INTENTS else []
    if tracker.get_slot("requested_slot") is None:
        for event in reversed(tracker.events):
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if event.get("event") == "user" and intent == trigger:
                if event.get("text") and event.get("text") not in texts:
                    texts.append(str(event["text"]))
                break
    return texts


def first_found(texts: list[str], read: Callable[[str], Any]) -> Any:
    """What ``read`` finds in the first text where it finds anything (None if in none)."""
    for text in texts:
        value = read(text)
        if value is not None and value != (None, None):
            return value
    return None


def day_named(tracker: Tracker, trigger: str) -> date | None:
    """The day the borrower named ("friday", "the 1st", "2026-12-01") in the texts
    :func:`term_texts` reads for the form ``trigger`` starts."""
    return first_found(
        term_texts(tracker, trigger),
        lambda t: parsing.parse_day(t, today(tracker), language(tracker)),
    )


def slot_day(slot_value: Any) -> date | None:
    """The date a day slot holds (the extractors store ISO dates); None for anything else."""
    try:
        return date.fromisoformat(str(slot_value))
    except ValueError:
        return None


def ask_app(tracker: Tracker, refused: str, service: Callable[..., Any], *args: Any) -> Any:
    """``service(conversation id, *args, language=...)``: the app's answer, or REFUSED when it
    raised ValueError. The refusal is logged as ``refused`` with the conversation id only: the
    terms are the borrower's words."""
    try:
        return service(tracker.sender_id, *args, language=language(tracker))
    except ValueError:
        logger.warning("%s (conversation %s)", refused, tracker.sender_id)
        return REFUSED
