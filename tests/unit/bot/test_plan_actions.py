"""Plan, promise, fallback, opt-out and session-start actions, on a saved tracker of a verified
conversation (trackers/verified_after_form.json) with the latest message and slots changed the
way the next turn would change them. The app's services are fakes."""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, SlotSet

from bot.actions import terms as term_reading
from bot.actions.handoff import ActionFallback, ActionHandoff, ActionOptOut
from bot.actions.plans import ActionCreatePlan, ActionQuotePlan, ValidatePlanForm
from bot.actions.promise import ActionRecordPromise, ValidatePromiseForm
from bot.actions.session import ActionSessionStart
from outreach import selfservice
from outreach.selfservice.plans import PlanOffer, PromiseView, TermsView

TODAY = date(2026, 11, 23)
TERMS = TermsView(
    amount="70.00",
    amount_text="$70.00",
    count=6,
    frequency="monthly",
    frequency_words="every month",
    start="2026-12-01",
    start_text="December 1, 2026",
    first_amount=None,
    first_amount_text="$70.00",
    last_date_text="May 1, 2027",
    total_text="$420.00",
)


class Recorder:
    def __init__(self, result: Any = None) -> None:
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        self.result = result

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append((args, kwargs))
        return self.result


def fake(monkeypatch: pytest.MonkeyPatch, name: str, result: Any = None) -> Recorder:
    recorder = Recorder(result)
    monkeypatch.setattr(selfservice, name, recorder)
    return recorder


def turn(
    tracker_state,
    text: str,
    intent: str,
    language: str = "en",
    asked_by: str | None = None,
    **slots: Any,
) -> Tracker:
    """The saved verified tracker, as if the borrower had just sent ``text`` (in answer to the
    confirmation question ``asked_by`` asked, when given: bot/actions/confirm.py)."""
    state = tracker_state("verified_after_form")
    if asked_by is not None:
        state["events"] += [
            {"event": "action", "name": asked_by},
            {"event": "slot", "name": "confirm_pending", "value": slots["confirm_pending"]},
            {"event": "action", "name": "action_listen"},
        ]
    state["latest_message"] = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": [],
    }
    state["events"].append(
        {
            "event": "user",
            "text": text,
            "parse_data": {"intent": {"name": intent, "confidence": 0.9}},
        }
    )
    state["slots"].update({"language": language, **slots})
    return Tracker.from_dict(state)


def run(action: Any, dispatcher: Any, tracker: Tracker, domain: dict) -> list[dict]:
    return asyncio.run(action.run(dispatcher, tracker, domain))


def slots_set(events: list[dict]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(term_reading, "today", lambda tracker: TODAY)


def test_it_reads_every_term_named_in_one_message(tracker_state, dispatcher, domain) -> None:
    tracker = turn(
        tracker_state,
        "i could do 75 a month for 6 months starting friday",
        "propose_plan",
        requested_slot="plan_amount",
    )
    events = run(ValidatePlanForm(), dispatcher, tracker, domain)
    assert slots_set(events) == {
        "plan_amount": "75",
        "plan_count": "6",
        "plan_frequency": "monthly",
        "plan_start": "2026-11-27",
    }


def test_it_reads_terms_from_the_message_that_asked_for_the_plan(
    tracker_state, dispatcher, domain
) -> None:
    state = tracker_state("verified_after_form")
    state["events"].insert(
        2,
        {
            "event": "user",
            "text": "can i pay 50 a month",
            "parse_data": {"intent": {"name": "propose_plan"}},
        },
    )
    state["latest_message"] = {"text": "1234", "intent": {"name": "inform"}}
    events = run(ValidatePlanForm(), dispatcher, Tracker.from_dict(state), domain)
    assert slots_set(events) == {
        "plan_amount": "50",
        "plan_frequency": "monthly",
    }


def test_it_reads_no_terms_from_a_dispute_that_names_an_amount(
    tracker_state, dispatcher, domain
) -> None:
    tracker = turn(tracker_state, "i dont owe $500", "dispute", requested_slot="plan_amount")
    assert run(ValidatePlanForm(), dispatcher, tracker, domain) == []  # the rules take it


def test_it_says_so_when_an_answer_cannot_be_read(tracker_state, dispatcher, domain) -> None:
    tracker = turn(tracker_state, "umm a bit", "inform", requested_slot="plan_amount")
    events = run(ValidatePlanForm(), dispatcher, tracker, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_plan_unclear"]
    assert not any(e.get("name", "").startswith("plan_a") and e["value"] for e in events)


def test_it_refuses_a_first_payment_in_the_past(tracker_state, dispatcher, domain) -> None:
    tracker = turn(tracker_state, "2026-11-01", "provide_date", requested_slot="plan_start")
    events = run(ValidatePlanForm(), dispatcher, tracker, domain)
    assert slots_set(events)["plan_start"] is None
    assert [m["response"] for m in dispatcher.messages] == ["utter_plan_start_invalid"]


def test_it_shows_a_counter_offer_and_keeps_it_for_the_yes(
    monkeypatch, tracker_state, dispatcher, domain, rendered
) -> None:
    quote = fake(
        monkeypatch,
        "quote_plan",
        PlanOffer(False, ["max_count"], TERMS, TERMS, {}, "a plan can have at most 6 payments"),
    )
    tracker = turn(
        tracker_state,
        "the 1st",
        "inform",
        plan_amount="30",
        plan_count="14",
        plan_frequency="monthly",
        plan_start="2026-12-01",
    )
    events = run(ActionQuotePlan(), dispatcher, tracker, domain)
    request = quote.calls[0][0][1]  # (conversation id, PlanRequest)
    assert request.amount == "30" and request.count == "14"
    assert rendered(dispatcher)[0].startswith(
        "That's outside what I can approve: a plan can have at most 6 payments. "
        "The closest I can offer: 6 payments of $70.00 every month"
    )
    assert slots_set(events) == {
        "plan_amount": "70.00",
        "plan_count": "6",
        "plan_frequency": "monthly",
        "plan_start": "2026-12-01",
        "plan_first_amount": None,
        "plan_pending": True,
        "plan_attempted": "outside",
    }


def test_it_discloses_no_terms_when_the_app_does_not_confirm_verification(
    monkeypatch, tracker_state, dispatcher, domain
) -> None:
    fake(monkeypatch, "quote_plan", None)
    tracker = turn(
        tracker_state,
        "ok",
        "inform",
        plan_amount="30",
        plan_count="3",
        plan_frequency="monthly",
        plan_start="2026-12-01",
    )
    events = run(ActionQuotePlan(), dispatcher, tracker, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_need_verification"]
    assert slots_set(events)["identity_verified"] is False


def test_it_confirms_the_plan_in_spanish(
    monkeypatch, tracker_state, dispatcher, domain, rendered
) -> None:
    accept = fake(monkeypatch, "accept_plan", type("Done", (), {"plan_id": 1, "terms": TERMS}))
    tracker = turn(
        tracker_state,
        "si",
        "affirm",
        language="es",
        plan_amount="70.00",
        plan_count="6",
        plan_frequency="monthly",
        plan_start="2026-12-01",
    )
    events = run(ActionCreatePlan(), dispatcher, tracker, domain)
    assert accept.calls[0][1]["language"] == "es"
    assert rendered(dispatcher, "es")[0].startswith("¡Listo! Su plan quedó registrado")
    assert slots_set(events)["plan_attempted"] == "created"


def test_it_refuses_a_promise_beyond_the_maximum(
    monkeypatch, tracker_state, dispatcher, domain, rendered
) -> None:
    fake(monkeypatch, "promise_limit", 14)
    late = (TODAY + timedelta(days=20)).isoformat()
    events = run(
        ValidatePromiseForm(),
        dispatcher,
        turn(tracker_state, late, "provide_date", requested_slot="promise_date"),
        domain,
    )
    assert slots_set(events)["promise_date"] is None
    assert rendered(dispatcher) == [
        "I can only note a date within the next 14 days. Which day up to December 7 works for you?"
    ]


def test_it_reads_a_promise_for_everything_on_a_day(
    monkeypatch, tracker_state, dispatcher, domain
) -> None:
    fake(monkeypatch, "promise_limit", 14)
    tracker = turn(tracker_state, "i'll pay it all on friday", "promise_to_pay")
    events = run(ValidatePromiseForm(), dispatcher, tracker, domain)
    assert slots_set(events) == {"promise_date": "2026-11-27", "promise_amount": "all"}


def test_it_records_the_promise_through_the_app(
    monkeypatch, tracker_state, dispatcher, domain, rendered
) -> None:
    record = fake(monkeypatch, "promise_to_pay", PromiseView(3, "November 27, 2026", "$420.00"))
    tracker = turn(
        tracker_state,
        "yes",
        "affirm",
        asked_by="action_confirm_promise",
        confirm_pending="promise",
        promise_date="2026-11-27",
        promise_amount="all",
    )
    events = run(ActionRecordPromise(), dispatcher, tracker, domain)
    [(args, kwargs)] = record.calls
    assert (args[1:], kwargs) == (("2026-11-27", "all"), {"language": "en"})
    assert rendered(dispatcher)[0].startswith("Noted: you'll pay $420.00 on November 27, 2026")
    assert slots_set(events)["promise_recorded"] is True


def test_it_hands_off_on_the_second_misunderstanding_in_a_row(
    monkeypatch, tracker_state, dispatcher, domain
) -> None:
    handoff = fake(monkeypatch, "open_handoff", 4)
    once = turn(tracker_state, "asdf", "nlu_fallback")
    assert run(ActionFallback(), dispatcher, once, domain) == []
    state = tracker_state("verified_after_form")
    for text in ("asdf", "qwerty"):
        state["events"].append(
            {"event": "user", "text": text, "parse_data": {"intent": {"name": "out_of_scope"}}}
        )
    events = run(ActionFallback(), dispatcher, Tracker.from_dict(state), domain)
    assert events == [ConversationPaused(), ActionExecuted("action_listen")]
    assert handoff.calls[0][0][1] == "misunderstood"
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_default",
        "utter_misunderstood_handoff",
        "utter_handoff",
    ]


def test_it_flags_a_dispute_before_handing_off_with_its_reason(
    monkeypatch, tracker_state, dispatcher, domain
) -> None:
    flag = fake(monkeypatch, "flag_account", selfservice.AccountEffect.APPLIED)
    handoff = fake(monkeypatch, "open_handoff", 5)
    run(ActionHandoff(), dispatcher, turn(tracker_state, "not my debt", "dispute"), domain)
    assert flag.calls[0][0][1] == "dispute_open"
    assert handoff.calls[0][0][1] == "dispute"
    assert [m["response"] for m in dispatcher.messages] == ["utter_dispute_ack", "utter_handoff"]
    assert "when" in dispatcher.messages[1]
    assert "request" not in handoff.calls[0][0][2]


def test_it_hands_an_unflagged_dispute_to_an_officer_without_saying_reminders_paused(
    monkeypatch, tracker_state, dispatcher, domain, rendered
) -> None:
    # Finding 9: from an unverified web chat the app records the dispute as a request.
    fake(monkeypatch, "flag_account", selfservice.AccountEffect.REFERRED)
    handoff = fake(monkeypatch, "open_handoff", 6)
    events = run(ActionHandoff(), dispatcher, turn(tracker_state, "not my debt", "dispute"), domain)
    [((_, reason, summary), _)] = handoff.calls
    assert reason == "dispute"
    assert summary["request"] == {
        "kind": "flag",
        "flag": "dispute_open",
        "applied": False,
        "verified": False,
    }
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_dispute_referred",
        "utter_handoff",
    ]
    assert "paused" not in rendered(dispatcher)[0]
    assert "pausamos" not in rendered(dispatcher, "es")[0]
    assert events[0] == ConversationPaused()


def test_it_hands_an_unverified_web_opt_out_to_an_officer(
    monkeypatch, tracker_state, dispatcher, domain, rendered
) -> None:
    fake(monkeypatch, "opt_out", selfservice.AccountEffect.REFERRED)
    fake(monkeypatch, "release_opt_out_hold", False)
    handoff = fake(monkeypatch, "open_handoff", 7)
    yes = turn(
        tracker_state, "yes", "affirm", asked_by="action_ask_opt_out", confirm_pending="opt_out"
    )
    events = run(ActionOptOut(), dispatcher, yes, domain)
    [((_, reason, summary), _)] = handoff.calls
    assert (reason, summary["request"]) == (
        "opt_out_request",
        {"kind": "opt_out", "applied": False, "verified": False},
    )
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_opt_out_referred",
        "utter_handoff",
    ]
    assert "will confirm with you" in rendered(dispatcher)[0]
    assert events == [
        SlotSet("confirm_pending", None),
        ConversationPaused(),
        ActionExecuted("action_listen"),
    ]


def test_it_confirms_an_opt_out_once_as_a_keyword_confirmation(
    monkeypatch, tracker_state, dispatcher, domain
) -> None:
    fake(monkeypatch, "opt_out", selfservice.AccountEffect.APPLIED)
    fake(monkeypatch, "release_opt_out_hold", True)
    yes = turn(
        tracker_state, "yes", "affirm", asked_by="action_ask_opt_out", confirm_pending="opt_out"
    )
    run(ActionOptOut(), dispatcher, yes, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_opt_out_confirmed"]
    # already opted out: nothing more is sent
    fake(monkeypatch, "opt_out", selfservice.AccountEffect.UNCHANGED)
    run(ActionOptOut(), dispatcher, yes, domain)
    assert len(dispatcher.messages) == 1
    assert domain["responses"]["utter_opt_out_confirmed"][-1]["custom"]["send_as"] == (
        "keyword_confirmation"
    )


@pytest.mark.parametrize(
    ("metadata", "language"), [({"language": "es"}, "es"), ({"language": "fr"}, "en"), (None, "en")]
)
def test_it_answers_in_the_language_flask_sends(
    tracker_state, dispatcher, domain, metadata, language
) -> None:
    state = tracker_state("verified_after_form")
    state["slots"]["session_started_metadata"] = metadata
    events = run(ActionSessionStart(), dispatcher, Tracker.from_dict(state), domain)
    assert events[0]["event"] == "session_started"
    assert SlotSet("language", language) in events
    assert events[-1] == ActionExecuted("action_listen")
    assert json.dumps(events)  # plain events only
