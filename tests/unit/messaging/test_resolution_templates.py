"""Settlement messages carry what each jurisdiction requires, in every locale and channel:
US (an offer with a deadline: the safe-harbour sentence), US-NY (written confirmation of the
terms), GB (FCA CONC 7.3: no pressure, time to decide, other options), and everywhere the terms:
amount, deadline, what happens after and what happens if it is not paid."""

from __future__ import annotations

import pytest

from outreach.channels.sms_encoding import analyse
from outreach.messaging import templates as mt

VALUES = {
    "lender": "Acme Lending",
    "amount": "$850.00",
    "balance": "$1,000.00",
    "deadline": "December 8, 2026",
    "link": "https://lender.example/chat/?t=abc",
    "pay_link": "https://lender.example/pay/jkl",
    "unsubscribe_url": "https://lender.example/unsubscribe/tok",
    "collector": False,
}
OFFERS = ["settlement_offer", "settlement_confirmation", "settlement_reminder"]
ALL = [*OFFERS, "settlement_paid", "settlement_expired"]
SAFE_HARBOUR = {
    "en": "We are not obligated to renew this offer.",
    "es": "No estamos obligados a renovar esta oferta.",
}
NY = {"en": "written confirmation of the settlement terms", "es": "por escrito de los t"}
# Spanish SMS drops the accents GSM-7 lacks (as the other Spanish texts do).
GB = {"en": "There is no pressure to accept", "es": "No hay ninguna presi"}
GB_OPTIONS = {"en": "other options", "es": "otras opciones"}
STOP = {"en": "Reply STOP to stop", "es": "Responda STOP"}


def body(message: str, channel: str, locale: str, jurisdiction: str) -> str:
    return mt.render(message, channel, locale, **VALUES, jurisdiction=jurisdiction)


@pytest.mark.parametrize("locale", ["en", "es"])
@pytest.mark.parametrize("channel", ["sms", "email"])
@pytest.mark.parametrize("message", OFFERS)
def test_us_offers_with_a_deadline_carry_the_safe_harbour_sentence(message, channel, locale):
    for place in ("US", "US-NY"):
        text = body(message, channel, locale, place)
        assert SAFE_HARBOUR[locale] in text
        assert "$850.00" in text and "December 8, 2026" in text
    assert SAFE_HARBOUR[locale] not in body(message, channel, locale, "GB")


@pytest.mark.parametrize("locale", ["en", "es"])
@pytest.mark.parametrize("channel", ["sms", "email"])
def test_us_ny_gets_the_written_confirmation_of_the_terms(channel, locale):
    text = body("settlement_confirmation", channel, locale, "US-NY")
    assert NY[locale] in text and "$1,000.00" in text and "$850.00" in text
    assert NY[locale] not in body("settlement_confirmation", channel, locale, "US")


@pytest.mark.parametrize("locale", ["en", "es"])
@pytest.mark.parametrize("channel", ["sms", "email"])
@pytest.mark.parametrize("message", OFFERS)
def test_gb_offers_put_no_pressure_and_name_other_options(message, channel, locale):
    text = body(message, channel, locale, "GB")
    assert GB[locale] in text and GB_OPTIONS[locale] in text
    assert GB[locale] not in body(message, channel, locale, "US")


@pytest.mark.parametrize("locale", ["en", "es"])
def test_the_offer_says_what_happens_after_and_if_not_paid(locale):
    text = body("settlement_offer", "chat", locale, "US")
    after = {"en": "closed as settled", "es": "se cierra como saldada"}
    unpaid = {"en": "the full balance stays due", "es": "el saldo completo sigue vencido"}
    assert after[locale] in text and unpaid[locale] in text


@pytest.mark.parametrize("locale", ["en", "es"])
@pytest.mark.parametrize("message", ALL)
def test_every_text_names_the_lender_has_stop_and_keeps_the_lock_screen_clean(message, locale):
    text = body(message, "sms", locale, "US")
    assert "Acme Lending" in text and STOP[locale] in text
    assert "$" not in text.splitlines()[0]
    # The full terms (amount, deadline, after, if unpaid, the required sentence) outweigh the
    # 3-segment reminder budget; the confirmation goes by email first. GSM-7, at most 5.
    info = analyse(text)
    assert info.encoding == "GSM-7" and info.segments <= 5


@pytest.mark.parametrize("locale", ["en", "es"])
def test_paid_in_full_for_less_and_expired_say_what_it_means(locale):
    paid = body("settlement_paid", "email", locale, "US")
    assert {"en": "paid in full", "es": "pagado por completo"}[locale] in paid
    expired = body("settlement_expired", "sms", locale, "US")
    assert {"en": "payment plan", "es": "plan de pagos"}[locale] in expired
