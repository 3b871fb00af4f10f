"""Paying now (bot/actions/payment.py) and the ways to pay, on the saved tracker of a verified
conversation with the next turn added. The app (outreach.payments.bot_offer / bot_methods) is
replaced by fakes that record what they were asked."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker

from bot.actions.payment import ActionDeclinePayment, ActionOfferPayment, ActionStartPayment
from bot.actions.plans import ActionQuotePlan
from bot.actions.promise import ActionPaymentMethods
from outreach import selfservice
from outreach.payments import bot_methods, bot_offer
from outreach.payments.bot_offer import PaymentOffer, PushOutcome
from outreach.selfservice.plans import PlanOffer, TermsView

LIMITS = {"minimum_text": "$5.00", "maximum_text": "$3,210.55"}
LINK_OFFER = PaymentOffer(
    bot_offer.LINK,
    "stripe",
    amount="420.00",
    amount_text="$420.00",
    reason="the amount past due",
    link="http://127.0.0.1:5000/sandbox/pay/tok",
    **LIMITS,
)
KES = {"minimum_text": "Ksh100.00", "maximum_text": "Ksh20,000.00"}
MPESA_OFFER = PaymentOffer(
    bot_offer.MPESA,
    "mpesa",
    amount="1500.00",
    amount_text="Ksh1,500.00",
    reason="your next instalment",
    phone="+254 7•• ••• 123",
    paybill="174379",
    account="KE-00042",
    **KES,
)


class Recorder:
    def __init__(self, result: Any = None) -> None:
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        self.result = result

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append((args, kwargs))
        return self.result


def fake(monkeypatch: pytest.MonkeyPatch, module: Any, name: str, result: Any) -> Recorder:
    recorder = Recorder(result)
    monkeypatch.setattr(module, name, recorder)  # raising: a renamed service fails here
    return recorder


def user(text: str, intent: str) -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


def turn(
    tracker_state,
    text: str,
    intent: str,
    language: str = "en",
    before: list[dict[str, Any]] | None = None,
    **slots: Any,
) -> Tracker:
    """The saved verified tracker (``before`` inserted after the check), as if the borrower had
    just sent ``text``."""
    state = tracker_state("verified_after_form")
    state["events"] += [*(before or []), user(text, intent)]
    state["latest_message"] = {"text": text, "intent": {"name": intent}, "entities": []}
    state["slots"].update({"language": language, **slots})
    return Tracker.from_dict(state)


def run(action: Any, dispatcher: Any, tracker: Tracker, domain: dict) -> list[dict]:
    return asyncio.run(action.run(dispatcher, tracker, domain))


def slots_set(events: list[dict]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def test_it_sends_the_payment_link_with_the_amount_due_and_the_limits(
    monkeypatch, tracker_state, dispatcher, domain, rendered
):
    offer = fake(monkeypatch, bot_offer, "offer_payment", LINK_OFFER)
    events = run(
        ActionOfferPayment(),
        dispatcher,
        turn(tracker_state, "i want to pay now", "pay_now"),
        domain,
    )
    [(args, kwargs)] = offer.calls
    assert args == ("f-pastdue", None)  # the conversation id only; no amount named
    assert kwargs == {"language": "en", "purpose": None}
    assert rendered(dispatcher) == [
        "To pay $420.00 (the amount past due) now, open your secure payment link: "
        "http://127.0.0.1:5000/sandbox/pay/tok\n"
        "On the page you can choose another amount, from $5.00 up to $3,210.55."
    ]
    assert slots_set(events) == {"pay_pending": False, "pay_amount": None}


def test_it_says_the_link_in_spanish(monkeypatch, tracker_state, dispatcher, domain, rendered):
    spanish = PaymentOffer(**{**vars(LINK_OFFER), "reason": "lo vencido"})
    offer = fake(monkeypatch, bot_offer, "offer_payment", spanish)
    tracker = turn(tracker_state, "quiero pagar ahora", "pay_now", language="es")
    run(ActionOfferPayment(), dispatcher, tracker, domain)
    assert offer.calls[0][1]["language"] == "es"
    [text] = rendered(dispatcher, "es")
    assert text.startswith("Para pagar $420.00 (lo vencido) ahora, abra su enlace de pago seguro")
    assert "desde $5.00 hasta $3,210.55" in text


def test_it_passes_the_amount_and_what_the_borrower_wants_to_pay(
    monkeypatch, tracker_state, dispatcher, domain
):
    offer = fake(monkeypatch, bot_offer, "offer_payment", LINK_OFFER)
    tracker = turn(tracker_state, "i can pay 50 of my instalment now", "pay_now")
    run(ActionOfferPayment(), dispatcher, tracker, domain)
    [(args, kwargs)] = offer.calls
    assert args[1] == "50" and kwargs["purpose"] == "instalment"


def test_it_reads_the_amount_from_the_request_made_before_the_identity_check(
    monkeypatch, tracker_state, dispatcher, domain
):
    offer = fake(monkeypatch, bot_offer, "offer_payment", LINK_OFFER)
    # "quiero pagar 300" -> date of birth -> last four (Rasa gets the "/inform" placeholder).
    state = tracker_state("verified_after_form")
    state["events"].insert(3, user("quiero pagar 300", "pay_now"))
    state["latest_message"] = {"text": "/inform", "intent": {"name": "inform"}}
    run(ActionOfferPayment(), dispatcher, Tracker.from_dict(state), domain)
    assert offer.calls[0][0][1] == "300"


def test_it_never_rereads_a_request_it_has_answered(monkeypatch, tracker_state, dispatcher, domain):
    offer = fake(monkeypatch, bot_offer, "offer_payment", MPESA_OFFER)
    answered = [
        user("i can pay 50", "pay_now"),
        {"event": "action", "name": "action_offer_payment"},
    ]
    tracker = turn(tracker_state, "/inform", "inform", before=answered, pay_pending=True)
    run(ActionOfferPayment(), dispatcher, tracker, domain)
    assert offer.calls[0][0][1] is None


def test_it_asks_to_confirm_the_phone_on_file_and_the_amount_for_mpesa(
    monkeypatch, tracker_state, dispatcher, domain, rendered
):
    fake(monkeypatch, bot_offer, "offer_payment", MPESA_OFFER)
    tracker = turn(tracker_state, "i want to pay my instalment", "pay_now")
    events = run(ActionOfferPayment(), dispatcher, tracker, domain)
    assert rendered(dispatcher) == [
        "Pay Ksh1,500.00 (your next instalment) by M-Pesa from +254 7•• ••• 123? Reply OK to "
        "get the M-Pesa prompt on your phone, NO to leave it, or another amount (from "
        "Ksh100.00 up to Ksh20,000.00)."
    ]
    # The amount shown waits for the borrower's OK; nothing is sent yet.
    assert slots_set(events) == {"pay_pending": True, "pay_amount": "1500.00"}


@pytest.mark.parametrize(
    ("refusal", "words"),
    [
        ("too_small", "The smallest amount you can pay at once is Ksh100.00, and the most"),
        ("too_large", "You owe Ksh20,000.00 in total: you can't pay more than that."),
        ("whole", "M-Pesa takes whole shillings only. Send an amount without cents, from"),
    ],
)
def test_it_says_the_limits_when_the_amount_named_cannot_be_paid(
    monkeypatch, tracker_state, dispatcher, domain, rendered, refusal, words
):
    refused = PaymentOffer(bot_offer.REFUSED, None, refusal=refusal, **KES)
    fake(monkeypatch, bot_offer, "offer_payment", refused)
    tracker = turn(tracker_state, "50", "inform", pay_pending=True, pay_amount="1500.00")
    events = run(ActionOfferPayment(), dispatcher, tracker, domain)
    [text] = rendered(dispatcher)
    assert text.startswith(words) and "Ksh100.00" in text and "Ksh20,000.00" in text
    # Still waiting for an amount; the one shown before is no longer the one an OK pays.
    assert slots_set(events) == {"pay_pending": True, "pay_amount": None}


def test_it_tells_how_to_pay_the_lender_when_nothing_is_offered(
    monkeypatch, tracker_state, dispatcher, domain, rendered
):
    direct = PaymentOffer(
        bot_offer.DIRECT,
        None,
        amount="420.00",
        amount_text="$420.00",
        reason="the amount past due",
        methods="- By phone: call 1-800-555-0199",
        **LIMITS,
    )
    fake(monkeypatch, bot_offer, "offer_payment", direct)
    run(ActionOfferPayment(), dispatcher, turn(tracker_state, "pay now", "pay_now"), domain)
    assert rendered(dispatcher) == [
        "I can't take the payment of $420.00 (the amount past due) here, but you can pay us "
        "directly:\n- By phone: call 1-800-555-0199\nIf you'd like a person to help you, just "
        'say "agent".'
    ]


def test_it_discloses_nothing_when_the_app_does_not_confirm_the_verification(
    monkeypatch, tracker_state, dispatcher, domain
):
    fake(monkeypatch, bot_offer, "offer_payment", None)
    events = run(
        ActionOfferPayment(), dispatcher, turn(tracker_state, "pay now", "pay_now"), domain
    )
    assert [m["response"] for m in dispatcher.messages] == ["utter_need_verification"]
    slots = slots_set(events)
    assert slots["identity_verified"] is False and slots["date_of_birth"] is None
    assert slots["pay_pending"] is False


def test_it_lets_a_pending_plan_lapse_when_the_borrower_pays_instead(
    monkeypatch, tracker_state, dispatcher, domain
):
    fake(monkeypatch, bot_offer, "offer_payment", MPESA_OFFER)
    tracker = turn(tracker_state, "pay now", "pay_now", plan_pending=True)
    events = run(ActionOfferPayment(), dispatcher, tracker, domain)
    assert slots_set(events)["plan_pending"] is False


def test_it_lets_a_pending_mpesa_confirmation_lapse_when_a_plan_is_quoted(
    monkeypatch, tracker_state, dispatcher, domain
):
    terms = TermsView(
        "70.00", "$70.00", 6, "monthly", "every month", "2026-12-01", "December 1, 2026", None,
        "$70.00", "May 1, 2027", "$420.00",
    )  # fmt: skip
    monkeypatch.setattr(selfservice, "quote_plan", Recorder(PlanOffer(True, [], terms, None)))
    tracker = turn(
        tracker_state, "70 a month", "inform", pay_pending=True, pay_amount="1500.00",
        plan_amount="70", plan_count="6", plan_frequency="monthly", plan_start="2026-12-01",
    )  # fmt: skip
    events = run(ActionQuotePlan(), dispatcher, tracker, domain)
    slots = slots_set(events)
    assert (slots["plan_pending"], slots["pay_pending"], slots["pay_amount"]) == (True, False, None)


# --- the M-Pesa prompt, after OK ---------------------------------------------------------


def push(started: bool = True, refusal: str = "", paybill: str = "174379") -> PushOutcome:
    extra = {"paybill": paybill, "account": "KE-00042"} if paybill else {}
    return PushOutcome(started, refusal, amount_text="Ksh1,500.00", **KES, **extra)


def test_it_sends_the_mpesa_prompt_for_the_amount_confirmed(
    monkeypatch, tracker_state, dispatcher, domain, rendered
):
    start = fake(monkeypatch, bot_offer, "start_payment", push())
    tracker = turn(tracker_state, "ok", "affirm", pay_pending=True, pay_amount="1500.00")
    events = run(ActionStartPayment(), dispatcher, tracker, domain)
    assert start.calls == [(("f-pastdue", "1500.00"), {"language": "en"})]
    assert rendered(dispatcher) == [
        "Check your phone and enter your M-Pesa PIN to pay Ksh1,500.00; or pay by paybill "
        "174379, account KE-00042. We'll send your receipt as soon as the payment arrives."
    ]
    assert slots_set(events) == {"pay_pending": False, "pay_amount": None}


def test_it_says_only_the_prompt_when_there_is_no_paybill(
    monkeypatch, tracker_state, dispatcher, domain, rendered
):
    fake(monkeypatch, bot_offer, "start_payment", push(paybill=""))
    tracker = turn(tracker_state, "sí", "affirm", "es", pay_pending=True, pay_amount="1500.00")
    run(ActionStartPayment(), dispatcher, tracker, domain)
    assert rendered(dispatcher, "es") == [
        "Revise su teléfono e ingrese su PIN de M-Pesa para pagar Ksh1,500.00. Le enviaremos "
        "el recibo en cuanto llegue el pago."
    ]


@pytest.mark.parametrize(
    ("refusal", "words", "paybill_after"),
    [
        ("not_offered", "Sorry, I can't send an M-Pesa prompt for this loan.", True),
        ("bad_phone", "The number we have on file can't receive an M-Pesa prompt.", True),
        ("amount", "That amount can't be paid at once: it must be from Ksh100.00 up to", False),
        ("too_many", "We've just sent you an M-Pesa prompt. Please check your phone", False),
        ("provider_down", "M-Pesa isn't answering just now; nothing was charged.", True),
    ],
)
def test_it_says_clearly_why_no_prompt_was_sent(
    monkeypatch, tracker_state, dispatcher, domain, rendered, refusal, words, paybill_after
):
    fake(monkeypatch, bot_offer, "start_payment", push(False, refusal))
    tracker = turn(tracker_state, "ok", "affirm", pay_pending=True, pay_amount="1500.00")
    events = run(ActionStartPayment(), dispatcher, tracker, domain)
    texts = rendered(dispatcher)
    assert texts[0].startswith(words)
    paybill = "You can also pay by M-Pesa to paybill 174379, account KE-00042."
    assert texts[1:] == ([paybill] if paybill_after else [])
    assert slots_set(events) == {"pay_pending": False, "pay_amount": None}


def test_it_offers_the_usual_amount_again_on_ok_after_a_refused_amount(
    monkeypatch, tracker_state, dispatcher, domain
):
    start = fake(monkeypatch, bot_offer, "start_payment", push())
    offer = fake(monkeypatch, bot_offer, "offer_payment", MPESA_OFFER)
    tracker = turn(tracker_state, "ok", "affirm", pay_pending=True, pay_amount=None)
    events = run(ActionStartPayment(), dispatcher, tracker, domain)
    assert start.calls == [] and offer.calls[0][0] == ("f-pastdue", None)
    assert slots_set(events) == {"pay_pending": True, "pay_amount": "1500.00"}


def test_it_sends_nothing_when_the_app_does_not_confirm_the_verification(
    monkeypatch, tracker_state, dispatcher, domain
):
    fake(monkeypatch, bot_offer, "start_payment", None)
    tracker = turn(tracker_state, "ok", "affirm", pay_pending=True, pay_amount="1500.00")
    events = run(ActionStartPayment(), dispatcher, tracker, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_need_verification"]
    assert slots_set(events)["identity_verified"] is False


def test_it_starts_nothing_when_the_borrower_says_no(tracker_state, dispatcher, domain, rendered):
    tracker = turn(tracker_state, "no", "deny", pay_pending=True, pay_amount="1500.00")
    events = run(ActionDeclinePayment(), dispatcher, tracker, domain)
    assert rendered(dispatcher) == [
        'Okay, no payment was started. Say "pay now" whenever you\'re ready.'
    ]
    assert slots_set(events) == {"pay_pending": False, "pay_amount": None}


# --- the ways to pay ----------------------------------------------------------------------


def test_it_lists_the_ways_to_pay_with_the_borrowers_own_link(
    monkeypatch, tracker_state, dispatcher, domain, rendered
):
    view = bot_methods.MethodsView(["Online by card or bank transfer: http://x/pay/tok"])
    methods = fake(monkeypatch, bot_methods, "payment_methods", view)
    run(
        ActionPaymentMethods(),
        dispatcher,
        turn(tracker_state, "how do i pay", "ask_payment_methods"),
        domain,
    )
    assert methods.calls == [(("f-pastdue", "en"), {})]
    assert rendered(dispatcher) == [
        "You can pay:\n- Online by card or bank transfer: http://x/pay/tok"
    ]


def test_it_says_the_own_link_comes_after_the_identity_check(
    monkeypatch, tracker_state, dispatcher, domain, rendered
):
    view = bot_methods.MethodsView(["Por teléfono: llame al 1-800-555-0199"], withheld=True)
    fake(monkeypatch, bot_methods, "payment_methods", view)
    tracker = turn(tracker_state, "como pago", "ask_payment_methods", language="es")
    run(ActionPaymentMethods(), dispatcher, tracker, domain)
    assert rendered(dispatcher, "es") == [
        "Puede pagar así:\n- Por teléfono: llame al 1-800-555-0199",
        'Para recibir su propio enlace de pago, escriba "pagar ahora": antes confirmo su identidad.',
    ]
