"""The bot's custom actions, run on trackers saved from real conversations.

Every call into the app goes through the `outreach.selfservice` package, replaced here by
fakes that record what they were asked.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk.events import ActionExecuted, ConversationPaused, SlotSet
from rasa_sdk.executor import ActionExecutor

from bot.actions.balance import ActionShowBalance
from bot.actions.handoff import ActionHandoff
from bot.actions.verification import ValidateVerifyForm
from outreach import selfservice

ACTIONS_DIR = Path(__file__).resolve().parents[3] / "bot" / "actions"

PAST_DUE_VIEW = selfservice.BalanceView(
    loan_ref="••••0000",
    outstanding="$4,039.43",
    past_due="$1,666.66",
    days_past_due=45,
    next_due_date="December 8, 2026",
    next_due_amount="$833.33",
)
CURRENT_VIEW = selfservice.BalanceView(
    loan_ref="••••3757",
    outstanding="$362.10",
    past_due="$0.00",
    days_past_due=0,
    next_due_date="November 26, 2026",
    next_due_amount="$41.67",
)


class Recorder:
    """A fake service function: remembers its calls and answers with a fixed result."""

    def __init__(self, result: Any = None, error: Exception | None = None) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.result = result
        self.error = error

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # Keyword arguments (language=...) are recorded after the positional ones.
        self.calls.append((*args, kwargs) if kwargs else args)
        if self.error is not None:
            raise self.error
        return self.result


def fake(monkeypatch: pytest.MonkeyPatch, target: str, **kwargs: Any) -> Recorder:
    recorder = Recorder(**kwargs)
    # raising=True (the default): a renamed service function fails here, not in production.
    monkeypatch.setattr(target, recorder)
    return recorder


VERIFY = "bot.actions.verification.selfservice.factor_outcome"
FACTORS = "bot.actions.verification.selfservice.verification_factors"
BALANCE = "bot.actions.balance.selfservice.balance_for"
HANDOFF = "bot.actions.handoff.selfservice.open_handoff"
# The bot stops; the listen ends the turn so the conversation resumes cleanly later.
PAUSED = [ConversationPaused(), ActionExecuted("action_listen")]


def run(action: Any, dispatcher: Any, tracker: Any, domain: dict[str, Any]) -> list[dict]:
    return asyncio.run(action.run(dispatcher, tracker, domain))


def slots_set(events: list[dict]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def responses(dispatcher: Any) -> list[str]:
    return [m["response"] for m in dispatcher.messages]


# --- identity check (validate_verify_form) -----------------------------------------------


@pytest.fixture(autouse=True)
def two_factors(monkeypatch):
    """The factors the app names for a conversation (a database lookup in the real service)."""
    return fake(monkeypatch, FACTORS, result=["date_of_birth", "loan_last4"])


def test_it_sets_identity_verified_when_the_app_verifies_the_date(
    monkeypatch, tracker, dispatcher, domain
):
    verify = fake(monkeypatch, VERIFY, result=selfservice.VerifyResult(True, False, 3))

    events = run(ValidateVerifyForm(), dispatcher, tracker("dob_given"), domain)

    # The app checked the borrower's text itself; the bot asks only what it decided.
    assert verify.calls == [("f-happy", "date_of_birth")]
    assert slots_set(events) == {
        "date_of_birth": "provided",
        "loan_last4": "provided",
        "postal_code": "provided",
        "identity_verified": True,
        "verification_locked": False,
        "requested_slot": None,  # every factor in: the form ends
    }
    assert responses(dispatcher) == ["utter_verified"]


def test_it_keeps_no_copy_of_the_date_of_birth_in_the_slot(
    monkeypatch, tracker, dispatcher, domain
):
    fake(monkeypatch, VERIFY, result=selfservice.VerifyResult(True, False, 3))

    events = run(ValidateVerifyForm(), dispatcher, tracker("dob_given"), domain)

    assert "1963" not in json.dumps(events)


def test_it_asks_again_after_a_wrong_date_without_verifying(
    monkeypatch, tracker, dispatcher, domain, rendered
):
    fake(monkeypatch, VERIFY, result=selfservice.VerifyResult(False, False, 2))

    events = run(ValidateVerifyForm(), dispatcher, tracker("dob_given"), domain)

    # Every factor emptied: the form starts over with the date; nothing else changes.
    assert slots_set(events) == {
        "date_of_birth": None,
        "loan_last4": None,
        "postal_code": None,
        "requested_slot": "date_of_birth",
    }
    assert rendered(dispatcher) == [
        "Sorry, that doesn't match our records. You can try 2 more time(s)."
    ]


def test_it_locks_and_ends_the_form_when_the_app_says_locked(
    monkeypatch, tracker, dispatcher, domain, rendered
):
    fake(
        monkeypatch,
        VERIFY,
        result=selfservice.VerifyResult(False, True, 0, locked_minutes=30),
    )
    handoff = fake(monkeypatch, HANDOFF, result=1)

    events = run(ValidateVerifyForm(), dispatcher, tracker("dob_given"), domain)

    # requested_slot=None ends the form; the rule then predicts action_handoff (next test).
    assert slots_set(events) == {
        "date_of_birth": None,
        "loan_last4": None,
        "postal_code": None,
        "identity_verified": False,
        "verification_locked": True,
        "requested_slot": None,
    }
    assert rendered(dispatcher) == [
        "Sorry, I can't confirm your identity. For your security, the identity check is "
        "locked for 30 minute(s), on every channel."
    ]
    assert rendered(dispatcher, "es") == [
        "Lo siento, no pude confirmar su identidad. Por su seguridad, la verificación de "
        "identidad queda bloqueada durante 30 minuto(s), en todos los canales."
    ]
    assert handoff.calls == []


def test_it_asks_for_one_date_when_the_answer_held_several(
    monkeypatch, tracker, dispatcher, domain, rendered
):
    fake(
        monkeypatch,
        VERIFY,
        result=selfservice.VerifyResult(False, False, 3, understood=False, several=True),
    )

    events = run(ValidateVerifyForm(), dispatcher, tracker("dob_given"), domain)

    # Asked again; not an attempt.
    assert slots_set(events) == {"date_of_birth": None, "requested_slot": "date_of_birth"}
    assert rendered(dispatcher) == [
        "Please send just one date: your date of birth, for example 14/03/1985."
    ]
    assert rendered(dispatcher, "es") == [
        "Envíe una sola fecha: su fecha de nacimiento, por ejemplo 14/03/1985."
    ]


def test_it_never_verifies_on_what_rasa_holds_when_the_app_checked_nothing(
    monkeypatch, tracker_state, dispatcher, domain
):
    # Finding 2/14: a stale identity_verified slot (or a slot Rasa filled itself) proves
    # nothing; without an outcome from the app the form asks again.
    from rasa_sdk import Tracker

    state = tracker_state("dob_given")
    state["slots"]["identity_verified"] = True
    verify = fake(monkeypatch, VERIFY, result=None)

    events = run(ValidateVerifyForm(), dispatcher, Tracker.from_dict(state), domain)

    assert verify.calls == [("f-happy", "date_of_birth")]
    assert slots_set(events) == {"date_of_birth": None, "requested_slot": "date_of_birth"}
    assert responses(dispatcher) == ["utter_not_a_date"]


def test_it_spends_no_attempt_on_a_message_that_is_not_a_date(
    monkeypatch, tracker, dispatcher, domain
):
    verify = fake(monkeypatch, VERIFY, error=AssertionError("must not be called"))

    events = run(ValidateVerifyForm(), dispatcher, tracker("bot_challenge_during_form"), domain)

    assert verify.calls == []
    assert slots_set(events) == {"requested_slot": "date_of_birth"}  # the same question again
    assert dispatcher.messages == []


def test_it_asks_the_factors_the_app_names_for_the_conversation(
    monkeypatch, tracker, dispatcher, domain
):
    # A visitor who typed the loan number is asked the postal code, not its last four digits.
    factors = fake(monkeypatch, FACTORS, result=["date_of_birth", "postal_code"])
    required = asyncio.run(
        ValidateVerifyForm().required_slots(
            domain["forms"]["verify_form"]["required_slots"],
            dispatcher,
            tracker("dob_given"),
            domain,
        )
    )
    assert required == ["date_of_birth", "postal_code"]
    assert factors.calls == [("f-happy",)]


# --- balance (action_show_balance) ---------------------------------------------------------


def test_it_shows_balance_past_due_and_next_payment_to_a_verified_borrower(
    monkeypatch, tracker, dispatcher, domain, rendered
):
    balance = fake(monkeypatch, BALANCE, result=PAST_DUE_VIEW)

    events = run(ActionShowBalance(), dispatcher, tracker("verified_after_form"), domain)

    assert balance.calls == [("f-pastdue", {"language": "en"})]
    assert rendered(dispatcher) == [
        "Loan ••••0000: you owe $4,039.43 in total, of which $1,666.66 is past due (45 days). "
        "Your next payment of $833.33 is due on December 8, 2026."
    ]
    assert events == [SlotSet("balance_shown", True)]


def test_it_leaves_out_past_due_when_nothing_is_past_due(
    monkeypatch, tracker, dispatcher, domain, rendered
):
    fake(monkeypatch, BALANCE, result=CURRENT_VIEW)

    run(ActionShowBalance(), dispatcher, tracker("verified_after_form"), domain)

    assert rendered(dispatcher) == [
        "Loan ••••3757: you owe $362.10 in total and nothing is past due. "
        "Your next payment of $41.67 is due on November 26, 2026."
    ]


def test_it_discloses_nothing_when_the_app_does_not_confirm_verification(
    monkeypatch, tracker, dispatcher, domain, rendered
):
    # The tracker's slot says verified (stale or forged); the app's re-check decides.
    fake(monkeypatch, BALANCE, result=None)

    events = run(ActionShowBalance(), dispatcher, tracker("verified_after_form"), domain)

    assert responses(dispatcher) == ["utter_need_verification"]
    text = " ".join(rendered(dispatcher))
    assert not re.search(r"\d", text), text
    assert "owe" not in text
    assert slots_set(events) == {
        "identity_verified": False,
        "date_of_birth": None,
        "loan_last4": None,
        "postal_code": None,
    }


# --- handoff (action_handoff) --------------------------------------------------------------


def test_it_hands_off_on_request_and_pauses_the_bot(monkeypatch, tracker, dispatcher, domain):
    handoff = fake(monkeypatch, HANDOFF, result=7)

    events = run(ActionHandoff(), dispatcher, tracker("human_requested"), domain)

    assert handoff.calls == [
        (
            "f-human",
            "requested",
            {
                "reason": "requested",
                "intents": ["greet", "request_human"],
                "identity_verified": False,
                "verification_locked": False,
                "balance_shown": False,
                "plan_attempted": None,
                "promise_recorded": False,
                "language": "en",
            },
        )
    ]
    assert events == PAUSED
    assert responses(dispatcher) == ["utter_handoff"]


def test_it_hands_off_a_locked_conversation_as_verification_failed(
    monkeypatch, tracker, dispatcher, domain
):
    handoff = fake(monkeypatch, HANDOFF, result=8)

    events = run(ActionHandoff(), dispatcher, tracker("locked_after_form"), domain)

    [(conversation_id, reason, summary)] = handoff.calls
    assert (conversation_id, reason) == ("f-lock", "verification_failed")
    assert summary == {
        "reason": "verification_failed",
        "intents": ["check_balance", "provide_date", "provide_date", "provide_date"],
        "identity_verified": False,
        "verification_locked": True,
        "balance_shown": False,
        "plan_attempted": None,
        "promise_recorded": False,
        "language": "en",
    }
    assert events == PAUSED


def test_it_summarises_a_verified_conversation_that_saw_its_balance(
    monkeypatch, tracker, dispatcher, domain
):
    handoff = fake(monkeypatch, HANDOFF, result=9)

    run(ActionHandoff(), dispatcher, tracker("human_after_balance"), domain)

    [(_, reason, summary)] = handoff.calls
    assert reason == "requested"
    assert summary == {
        "reason": "requested",
        "intents": ["greet", "check_balance", "provide_date", "thanks", "request_human"],
        "identity_verified": True,
        "verification_locked": False,
        "balance_shown": True,
        "plan_attempted": None,
        "promise_recorded": False,
        "language": "en",
    }


def test_it_never_puts_what_the_borrower_typed_in_the_summary(
    monkeypatch, tracker, dispatcher, domain
):
    handoff = fake(monkeypatch, HANDOFF, result=10)

    run(ActionHandoff(), dispatcher, tracker("locked_after_form"), domain)

    summary_json = json.dumps(handoff.calls[0][2])
    for typed in ("2/2/1970", "3/3/1970", "4/4/1970"):
        assert typed not in summary_json


def test_it_keeps_the_bot_on_the_conversation_when_no_case_can_be_opened(
    monkeypatch, tracker, dispatcher, domain
):
    fake(monkeypatch, HANDOFF, error=LookupError("conversation_id: no conversation"))

    events = run(ActionHandoff(), dispatcher, tracker("human_requested"), domain)

    assert events == []  # not paused: nobody would answer
    assert responses(dispatcher) == ["utter_handoff_unavailable"]


# --- wiring ------------------------------------------------------------------------------


def test_it_registers_every_domain_action_with_the_action_server(domain):
    executor = ActionExecutor()
    executor.register_package("bot.actions")

    custom = {a for a in domain["actions"]}
    assert custom == {
        "validate_verify_form",
        "action_show_balance",
        "action_handoff",
        "action_session_start",
        "action_fallback",
        "action_opt_out",
        "validate_plan_form",
        "action_quote_plan",
        "action_create_plan",
        "action_decline_plan",
        "validate_promise_form",
        "action_record_promise",
        "action_payment_methods",
        "action_offer_payment",
        "action_start_payment",
        "action_decline_payment",
        "action_wrong_party_ask",
        "action_care_answer",
        "action_crisis",
        "action_record_payment_claim",
        "action_confirm_promise",
        "action_ask_opt_out",
        "action_confirm_declined",
        "action_quote_resolution",
        "action_accept_resolution",
        "action_decline_resolution",
    }
    assert custom <= set(executor.actions)


def test_it_only_sends_responses_the_domain_defines(domain):
    used = set()
    for path in ACTIONS_DIR.glob("*.py"):
        used |= set(re.findall(r'"(utter_\w+)"', path.read_text()))

    assert used, "no responses found: has the call style changed?"
    assert used <= set(domain["responses"])
