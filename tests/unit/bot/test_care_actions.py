"""The care actions on a saved tracker with the message and slots changed: the consent question
comes before any record, a stated risk to life goes to the crisis line first, a wrong-party
claim is marked only after a yes, a failure never claims what did not happen."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker

from bot.actions.care import ActionCareAnswer, ActionRecordPaymentClaim, ActionWrongPartyAsk
from bot.actions.handoff import ActionHandoff
from outreach.selfservice.care_config import Advice
from tests.unit.bot.test_actions import HANDOFF, PAUSED, fake, responses, run, slots_set

SERVICES = "bot.actions.care.selfservice"
CONSENT = "bot.actions.care_consent.selfservice"
ADVICE = Advice("NFCC: nfcc.org", "988 Suicide & Crisis Lifeline")


def said(tracker_state, text: str, intent: str, **slots) -> Tracker:
    state = tracker_state("human_requested")
    state["latest_message"] = {**state["latest_message"], "text": text}
    state["latest_message"]["intent"] = {"name": intent, "confidence": 0.95}
    state["slots"].update(slots)
    return Tracker.from_dict(state)


def test_it_asks_consent_before_recording_a_disclosure(
    monkeypatch, tracker_state, dispatcher, domain
):
    record = fake(monkeypatch, f"{CONSENT}.record_vulnerability", result=ADVICE)
    handoff = fake(monkeypatch, HANDOFF, result=1)
    tracker = said(tracker_state, "my dad passed away last week", "hardship")
    events = run(ActionHandoff(), dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_vulnerability_ask"]
    assert slots_set(events) == {"care_pending": "vulnerability", "care_kind": "bereavement"}
    assert record.calls == [] and handoff.calls == []


def test_it_gives_the_crisis_line_first_on_a_stated_risk(
    monkeypatch, tracker_state, dispatcher, domain, rendered
):
    fake(monkeypatch, f"{CONSENT}.record_vulnerability", result=ADVICE)
    fake(monkeypatch, HANDOFF, result=1)
    tracker = said(tracker_state, "i lost my job and i want to end it all", "hardship")
    events = run(ActionHandoff(), dispatcher, tracker, domain)
    assert responses(dispatcher)[:2] == ["utter_crisis", "utter_handoff"]
    assert "988" in rendered(dispatcher)[0]
    assert events[-2:] == PAUSED


@pytest.mark.parametrize(("intent", "response"), [("affirm", "utter_vulnerability_recorded"), ("deny", "utter_vulnerability_not_recorded")])  # fmt: skip
def test_it_records_the_note_only_on_yes_and_hands_off_either_way(
    monkeypatch, tracker_state, dispatcher, domain, intent, response
):
    record = fake(monkeypatch, f"{SERVICES}.record_vulnerability", result=ADVICE)
    fake(monkeypatch, HANDOFF, result=1)
    tracker = said(tracker_state, "x", intent, care_pending="vulnerability", care_kind="illness")
    events = run(ActionCareAnswer(), dispatcher, tracker, domain)
    assert record.calls == [("f-human", "illness", intent == "affirm")]
    assert responses(dispatcher)[:2] == [response, "utter_handoff"]
    assert events[-2:] == PAUSED and slots_set(events)["care_pending"] is None


def test_it_marks_a_wrong_number_only_after_a_yes(monkeypatch, tracker_state, dispatcher, domain):
    report = fake(monkeypatch, f"{SERVICES}.report_wrong_party", result=True)
    asked = run(
        ActionWrongPartyAsk(),
        dispatcher,
        said(tracker_state, "wrong number", "wrong_party"),
        domain,
    )
    assert slots_set(asked) == {"care_pending": "wrong_party"} and report.calls == []
    events = run(
        ActionCareAnswer(),
        dispatcher,
        said(tracker_state, "yes", "affirm", care_pending="wrong_party"),
        domain,
    )
    assert report.calls == [("f-human",)]
    assert responses(dispatcher) == ["utter_wrong_party_confirm", "utter_wrong_party_done"]
    assert events[-2:] == PAUSED


def test_it_does_not_say_it_stopped_when_the_app_failed(
    monkeypatch, tracker_state, dispatcher, domain
):
    fake(monkeypatch, f"{SERVICES}.report_wrong_party", error=RuntimeError("db down"))
    tracker = said(tracker_state, "yes", "affirm", care_pending="wrong_party")
    run(ActionCareAnswer(), dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_handoff_unavailable"]


def test_it_tells_an_unverified_borrower_no_claim_was_noted(
    monkeypatch, tracker_state, dispatcher, domain
):
    record = fake(monkeypatch, f"{SERVICES}.record_payment_claim", result=None)
    tracker = said(tracker_state, "card", "inform", claim_when="monday", claim_how="card")
    run(ActionRecordPaymentClaim(), dispatcher, tracker, domain)
    assert record.calls == [("f-human", "monday", "card")]
    assert responses(dispatcher) == ["utter_claim_failed"]
