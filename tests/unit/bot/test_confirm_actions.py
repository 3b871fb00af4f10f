"""One short question before anything is stored (bot/actions/confirm.py, issue 16): the promise
read back and the opt-out asked in words, in English and Spanish; YES to that very question
stores it, NO or a yes after something else stores nothing and says what to do instead."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from bot.actions.confirm import ActionConfirmDeclined
from bot.actions.handoff import ActionAskOptOut, ActionOptOut
from bot.actions.promise import ActionConfirmPromise, ActionRecordPromise
from outreach import selfservice
from outreach.selfservice.plans import PromiseView
from tests.unit.bot.test_plan_actions import fake, run, slots_set, turn

TERMS = {"promise_date": "2026-12-04", "promise_amount": "100"}
READ_BACK = {
    "en": "So you'll pay $100.00 on Friday, December 4, 2026. Reply YES to confirm or NO to "
    "cancel.",
    "es": "Entonces pagará $100.00 el viernes, 4 de diciembre de 2026. Responda SÍ para "
    "confirmar o NO para cancelar.",
}
DATES = {"en": "Friday, December 4, 2026", "es": "viernes, 4 de diciembre de 2026"}
AMOUNTS = {"en": "$100.00", "es": "$100.00"}


@pytest.mark.parametrize("language", ["en", "es"])
def test_it_reads_the_promise_back_and_stores_nothing(
    monkeypatch, tracker_state, dispatcher, domain, rendered, language
) -> None:
    preview = fake(
        monkeypatch, "preview_promise", PromiseView(0, DATES[language], AMOUNTS[language])
    )
    record = fake(monkeypatch, "promise_to_pay")
    tracker = turn(tracker_state, "100", "inform", language, **TERMS)
    events = run(ActionConfirmPromise(), dispatcher, tracker, domain)
    assert preview.calls == [((tracker.sender_id, "2026-12-04", "100"), {"language": language})]
    assert record.calls == []
    assert rendered(dispatcher, language) == [READ_BACK[language]]
    assert slots_set(events) == {"confirm_pending": "promise"}


@pytest.mark.parametrize(("language", "yes"), [("en", "YES"), ("es", "sí")])
def test_a_yes_to_the_promise_read_back_records_it(
    monkeypatch, tracker_state, dispatcher, domain, rendered, language, yes
) -> None:
    record = fake(monkeypatch, "promise_to_pay", PromiseView(9, DATES[language], AMOUNTS[language]))
    tracker = turn(
        tracker_state,
        yes,
        "affirm",
        language,
        asked_by="action_confirm_promise",
        confirm_pending="promise",
        **TERMS,
    )
    events = run(ActionRecordPromise(), dispatcher, tracker, domain)
    assert [call[0][1:] for call in record.calls] == [("2026-12-04", "100")]
    assert AMOUNTS[language] in rendered(dispatcher, language)[0]
    assert slots_set(events) == {
        "promise_date": None,
        "promise_amount": None,
        "confirm_pending": None,
        "promise_recorded": True,
    }


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_yes_after_something_else_records_nothing(
    monkeypatch, tracker_state, dispatcher, domain, rendered, language
) -> None:
    record = fake(monkeypatch, "promise_to_pay", PromiseView(9, "x", "y"))
    state_turn = turn(
        tracker_state,
        "what's my balance",
        "check_balance",
        language,
        asked_by="action_confirm_promise",
        confirm_pending="promise",
        **TERMS,
    )
    state = state_turn.current_state()
    state["events"] += [
        {"event": "action", "name": "action_show_balance"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "yes", "parse_data": {"intent": {"name": "affirm"}}},
    ]
    events = run(ActionRecordPromise(), dispatcher, Tracker.from_dict(state), domain)
    assert record.calls == []
    assert ("haven't noted" if language == "en" else "no anoté") in rendered(dispatcher, language)[
        0
    ]
    assert [m["response"] for m in dispatcher.messages] == ["utter_promise_not_confirmed"]
    assert slots_set(events)["confirm_pending"] is None


def test_a_yes_with_no_question_pending_records_nothing(
    monkeypatch, tracker_state, dispatcher, domain
) -> None:
    record = fake(monkeypatch, "promise_to_pay", PromiseView(9, "x", "y"))
    tracker = turn(
        tracker_state,
        "yes",
        "affirm",
        asked_by="action_confirm_promise",
        confirm_pending="opt_out",
        **TERMS,
    )
    run(ActionRecordPromise(), dispatcher, tracker, domain)
    assert record.calls == []


@pytest.mark.parametrize(
    ("language", "said"),
    [
        (
            "en",
            "Okay, I haven't noted anything. You can tell me another day or amount, say "
            '"pay now" to pay, or "agent" to talk to a person.',
        ),
        (
            "es",
            'De acuerdo, no anoté nada. Puede decirme otro día o monto, escribir "pagar '
            'ahora" para pagar, o "agente" para hablar con una persona.',
        ),
    ],
)
def test_a_no_to_the_promise_stores_nothing_and_says_what_to_do(
    monkeypatch, tracker_state, dispatcher, domain, rendered, language, said
) -> None:
    record = fake(monkeypatch, "promise_to_pay")
    tracker = turn(
        tracker_state,
        "no",
        "deny",
        language,
        asked_by="action_confirm_promise",
        confirm_pending="promise",
        **TERMS,
    )
    events = run(ActionConfirmDeclined(), dispatcher, tracker, domain)
    assert record.calls == []
    assert rendered(dispatcher, language) == [said]
    assert slots_set(events) == {
        "confirm_pending": None,
        "promise_date": None,
        "promise_amount": None,
    }


@pytest.mark.parametrize(
    ("language", "asked", "declined"),
    [
        (
            "en",
            "Do you want us to stop sending you messages? Reply YES to confirm",
            "Okay, you'll keep getting our messages. You can reply STOP at any time",
        ),
        (
            "es",
            "¿Quiere que dejemos de enviarle mensajes? Responda SÍ para confirmar",
            "De acuerdo, seguirá recibiendo nuestros mensajes. Puede responder STOP",
        ),
    ],
)
def test_an_opt_out_in_words_is_asked_first(
    monkeypatch, tracker_state, dispatcher, domain, rendered, language, asked, declined
) -> None:
    opt_out = fake(monkeypatch, "opt_out", selfservice.AccountEffect.APPLIED)
    hold = fake(monkeypatch, "hold_for_opt_out", True)
    release = fake(monkeypatch, "release_opt_out_hold", True)
    words = turn(tracker_state, "take me off your list", "opt_out", language)
    ask = run(ActionAskOptOut(), dispatcher, words, domain)
    assert ask == [SlotSet("confirm_pending", "opt_out")]
    assert rendered(dispatcher, language)[0].startswith(asked)
    assert opt_out.calls == []
    # reminders hold back while the question waits (config/care.yaml opt_out_question)
    assert hold.calls == [((words.sender_id,), {})]
    no = turn(
        tracker_state,
        "no",
        "deny",
        language,
        asked_by="action_ask_opt_out",
        confirm_pending="opt_out",
    )
    run(ActionConfirmDeclined(), dispatcher, no, domain)
    assert rendered(dispatcher, language)[1].startswith(declined)
    assert opt_out.calls == []
    assert release.calls == [((no.sender_id, "no"), {})]  # NO: the cadence resumes
    # a yes that does not answer the question (nothing pending) opts nothing out
    run(ActionOptOut(), dispatcher, turn(tracker_state, "yes", "affirm", language), domain)
    assert opt_out.calls == []
    yes = turn(
        tracker_state,
        "yes",
        "affirm",
        language,
        asked_by="action_ask_opt_out",
        confirm_pending="opt_out",
    )
    run(ActionOptOut(), dispatcher, yes, domain)
    assert len(opt_out.calls) == 1
    assert release.calls[-1] == ((yes.sender_id, "yes"), {})
