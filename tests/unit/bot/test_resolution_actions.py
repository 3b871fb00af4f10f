"""Settle / payment holiday / waive fees actions on a saved verified tracker, in English and
Spanish: inside the bot's tier (the exact offer), outside (a counter-offer, then the proposal to
an officer), a flagged borrower, an offer that expired before the yes. The app is a fake."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused

from bot.actions.common import LANGUAGES
from bot.actions.resolutions import (
    ActionAcceptResolution,
    ActionDeclineResolution,
    ActionQuoteResolution,
    read_terms,
)
from outreach import selfservice
from outreach.payments import bot_resolutions
from outreach.payments.bot_resolutions import ResolutionAnswer

OFFER = ResolutionAnswer(
    "settlement",
    "offer",
    amount="850.00",
    amount_text="$850.00",
    balance_text="$1,000.00",
    deadline_text="December 8, 2026",
    terms_text="We can settle ... We are not obligated to renew this offer.",
)


class Recorder:
    def __init__(self, result: Any = None) -> None:
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        self.result = result

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append((args, kwargs))
        return self.result


def fake(monkeypatch, name: str, result: Any) -> Recorder:
    recorder = Recorder(result)
    monkeypatch.setattr(bot_resolutions, name, recorder)
    return recorder


def turn(tracker_state, text: str, intent: str, language: str = "en", **slots: Any) -> Tracker:
    state = tracker_state("verified_after_form")
    state["latest_message"] = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": [],
    }
    state["events"].append(
        {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}
    )
    state["slots"].update({"language": language, **slots})
    return Tracker.from_dict(state)


def run(action: Any, dispatcher: Any, tracker: Tracker, domain: dict) -> list[dict]:
    return asyncio.run(action.run(dispatcher, tracker, domain))


def slots(events: list[dict]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def said(dispatcher) -> list[str]:
    return [m["response"] for m in dispatcher.messages]


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("i can pay 300 today if you close the account", ("300", None)),
        ("if i pay half now will you forgive the rest", ("half", None)),
        ("si pago la mitad ahora me perdonan el resto", ("half", None)),
        ("can i skip this month", (None, None)),
        ("can i pause payments for 2 months", (None, "60")),
        ("puedo pausar los pagos por dos meses", (None, "60")),
        ("can payments wait 3 weeks", (None, "21")),
    ],
)
def test_it_reads_the_amount_and_length_named(text, terms) -> None:
    assert read_terms(text) == terms


@pytest.mark.parametrize("language", ["en", "es"])
def test_inside_the_tier_it_shows_the_exact_offer_and_waits(
    monkeypatch, tracker_state, dispatcher, domain, language
):
    quote = fake(monkeypatch, "quote", OFFER)
    tracker = turn(tracker_state, "can i settle for less", "settle", language)
    events = run(ActionQuoteResolution(), dispatcher, tracker, domain)
    assert quote.calls[0][0][1:] == ("settlement", None, None, language)
    assert said(dispatcher) == ["utter_settlement_offer"]
    assert dispatcher.messages[0]["terms_text"] == OFFER.terms_text
    assert slots(events)["resolution_pending"] is True
    assert slots(events)["resolution_amount"] == "850.00"
    # The domain has the response in every language the bot speaks.
    variants = domain["responses"]["utter_settlement_offer"]
    assert {v.get("condition", [{}])[0].get("value", "en") for v in variants} == set(LANGUAGES)


@pytest.mark.parametrize("language", ["en", "es"])
def test_on_yes_the_app_stores_the_terms_shown_and_gives_the_link(
    monkeypatch, tracker_state, dispatcher, domain, language
):
    done = ResolutionAnswer(
        "settlement",
        "accepted",
        amount="850.00",
        amount_text="$850.00",
        deadline_text="December 8, 2026",
        link="https://x/pay/t",
    )
    accept = fake(monkeypatch, "accept", done)
    tracker = turn(
        tracker_state,
        "yes",
        "affirm",
        language,
        resolution_pending=True,
        resolution_kind="settlement",
        resolution_amount="850.00",
    )
    events = run(ActionAcceptResolution(), dispatcher, tracker, domain)
    assert accept.calls[0][0][1:] == ("settlement", "850.00", None, language)
    assert (
        said(dispatcher) == ["utter_settlement_accepted"]
        and dispatcher.messages[0]["link"] == "https://x/pay/t"
    )
    assert slots(events)["resolution_pending"] is False


def test_an_offer_that_expired_before_the_yes_is_not_stored(
    monkeypatch, tracker_state, dispatcher, domain
):
    # The app quotes again on the yes: the limits (or the day) moved, the terms are refused.
    fake(monkeypatch, "accept", ResolutionAnswer("settlement", "refused", refusal="outside"))
    tracker = turn(
        tracker_state,
        "si",
        "affirm",
        "es",
        resolution_pending=True,
        resolution_kind="settlement",
        resolution_amount="850.00",
    )
    events = run(ActionAcceptResolution(), dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_resolution_failed"]
    assert slots(events)["resolution_amount"] is None


@pytest.mark.parametrize("language", ["en", "es"])
def test_outside_the_tier_a_counter_then_no_sends_the_proposal_to_an_officer(
    monkeypatch, tracker_state, dispatcher, domain, language
):
    fake(
        monkeypatch,
        "quote",
        ResolutionAnswer("settlement", "counter", amount="850.00", terms_text="..."),
    )
    tracker = turn(
        tracker_state, "i can pay 300 today if you close the account", "settle", language
    )
    events = run(ActionQuoteResolution(), dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_settlement_counter"]
    assert (
        slots(events)["resolution_asked"] == "300"
        and slots(events)["resolution_outcome"] == "counter"
    )
    handed = fake(monkeypatch, "hand_off", ResolutionAnswer("settlement", "handoff", case_id="7"))
    monkeypatch.setattr(selfservice, "open_handoff", lambda *a, **k: 7)
    monkeypatch.setattr(selfservice, "handoff_eta", lambda lang: "soon")
    dispatcher.messages.clear()
    no = turn(
        tracker_state,
        "no",
        "deny",
        language,
        resolution_pending=True,
        resolution_kind="settlement",
        resolution_outcome="counter",
        resolution_asked="300",
        resolution_amount="850.00",
    )
    events = run(ActionDeclineResolution(), dispatcher, no, domain)
    assert handed.calls[0][0][1:] == ("settlement", "300", None, language)
    assert said(dispatcher) == ["utter_settlement_to_officer", "utter_handoff"]
    assert any(e["event"] == ConversationPaused().get("event") for e in events)


def test_a_flagged_borrower_is_told_it_is_not_available(
    monkeypatch, tracker_state, dispatcher, domain
):
    fake(monkeypatch, "quote", ResolutionAnswer("settlement", "refused", refusal="borrower_flag"))
    handed = fake(monkeypatch, "hand_off", None)
    tracker = turn(tracker_state, "can i settle for less", "settle")
    events = run(ActionQuoteResolution(), dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_resolution_not_available"] and not handed.calls
    assert slots(events)["resolution_pending"] is False


def test_unverified_it_discloses_nothing(monkeypatch, tracker_state, dispatcher, domain):
    fake(monkeypatch, "quote", None)
    events = run(
        ActionQuoteResolution(),
        dispatcher,
        turn(tracker_state, "can i skip this month", "payment_holiday"),
        domain,
    )
    assert said(dispatcher) == ["utter_need_verification"]
    assert slots(events)["identity_verified"] is False


def test_a_holiday_offer_names_its_end(monkeypatch, tracker_state, dispatcher, domain):
    fake(
        monkeypatch,
        "quote",
        ResolutionAnswer("holiday", "offer", days="30", end_text="December 23, 2026"),
    )
    events = run(
        ActionQuoteResolution(),
        dispatcher,
        turn(tracker_state, "can i skip this month", "payment_holiday"),
        domain,
    )
    assert (
        said(dispatcher) == ["utter_holiday_offer"]
        and dispatcher.messages[0]["end_text"] == "December 23, 2026"
    )
    assert (
        slots(events)["resolution_days"] == "30" and slots(events)["resolution_kind"] == "holiday"
    )


def test_every_response_the_actions_compose_is_in_the_domain(domain) -> None:
    # The actions build names from the kind and the outcome: the static check cannot see them.
    for kind in ("settlement", "holiday", "waiver"):
        for outcome in ("offer", "counter", "accepted", "to_officer"):
            variants = domain["responses"][f"utter_{kind}_{outcome}"]
            languages = {v.get("condition", [{}])[0].get("value", "en") for v in variants}
            assert languages == set(LANGUAGES)
