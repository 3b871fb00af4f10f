"""Detecting the language of a borrower message (outreach/selfservice/detect.py, issues 16, 20)."""

from __future__ import annotations

import pytest

from outreach.selfservice.detect import DetectionConfig, clear_language, detection_config


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("hola, cuanto debo", "es"),
        ("me quede sin chamba", "es"),
        ("quiero un plan de pagos", "es"),
        ("le pago el viernes", "es"),
        ("what do i owe", "en"),
        ("can I pay 50 a week", "en"),
        ("i lost my job", "en"),
        ("this isnt my debt", "en"),
    ],
)
def test_it_reads_the_language_of_a_clear_message_from_a_us_borrower(text, language) -> None:
    assert clear_language(text, country="US") == language


@pytest.mark.parametrize(
    ("text", "country", "language"),
    [
        # Swahili and Sheng mixed with English stay Swahili, not English.
        ("nitalipa kesho, sina doh leo", "KE", "sw"),
        ("niko broke sana, naomba muda", "KE", "sw"),
        ("salio langu ni kiasi gani", "KE", "sw"),
        ("I will pay on friday", "KE", "en"),
        # Taglish stays Filipino.
        ("pwede po ba next week na lang ako mag-pay", "PH", "fil"),
        ("wala pa akong pera ngayon", "PH", "fil"),
        ("hindi ko kaya magbayad ngayon", "PH", "fil"),
        ("I already paid this last week, please check", "PH", "en"),
        # Hindi by its script, romanized Hindi (Hinglish) by its words.
        ("मैं कल भुगतान करूंगा", "IN", "hi"),
        ("हाँ", "IN", "hi"),
        ("kal pay kar dunga bhai", "IN", "hi_Latn"),
        ("mera balance kitna hai", "IN", "hi_Latn"),
        ("please send me the payment link", "IN", "en"),
        # An unknown number's country from nowhere: all six languages are candidates.
        ("nitalipa kesho, sina doh leo", None, "sw"),
        ("मेरा लोन कितना बाकी है", None, "hi"),
    ],
)
def test_it_reads_swahili_filipino_and_hindi_also_when_mixed_with_english(
    text, country, language
) -> None:
    assert clear_language(text, country=country) == language


@pytest.mark.parametrize("country", ["PH", "IN", None])
def test_hindi_the_filipino_no_never_switches_to_hindi(country) -> None:
    # "hindi" is Filipino for "no": one word never switches, and it is no Hindi function word.
    assert clear_language("hindi", country=country) is None
    assert clear_language("hindi po", country=country) in (None, "fil")


@pytest.mark.parametrize("text", ["ok", "1234", "12/5", "dec 5", "no", "si", "hola", "", "  "])
@pytest.mark.parametrize("country", ["US", "KE", "PH", "IN"])
def test_a_short_or_ambiguous_message_names_no_language(text, country) -> None:
    assert clear_language(text, country=country) is None


def test_it_detects_only_the_configured_languages_of_the_country() -> None:
    config = detection_config()
    assert config.languages == ("en", "es", "sw", "fil", "hi", "hi_Latn")
    assert config.candidates("US") == ("en", "es")
    assert config.candidates("KE") == ("en", "sw")
    assert config.candidates("IN") == ("en", "hi", "hi_Latn")
    assert config.candidates("FR") == config.languages
    # A Swahili message from a US borrower is not read as Swahili: not a US language.
    assert clear_language("nitalipa kesho, sina doh leo", country="US") != "sw"
    # One language configured: nothing to tell apart, nothing ever switches.
    assert clear_language("hola, cuanto debo", DetectionConfig(("en",), 2, 0.7)) is None
    # A stricter threshold keeps a borderline message from switching.
    assert clear_language("me quede sin chamba", DetectionConfig(("en", "es"), 2, 0.99)) is None
