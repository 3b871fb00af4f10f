"""Detecting the language of a borrower message (outreach/selfservice/detect.py, issue 16)."""

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
def test_it_reads_the_language_of_a_clear_message(text, language) -> None:
    assert clear_language(text) == language


@pytest.mark.parametrize("text", ["ok", "1234", "12/5", "dec 5", "no", "si", "hola", "", "  "])
def test_a_short_or_ambiguous_message_names_no_language(text) -> None:
    assert clear_language(text) is None


def test_it_detects_only_the_configured_languages() -> None:
    config = detection_config()
    assert config.languages == ("en", "es")
    # One language configured: nothing to tell apart, nothing ever switches.
    assert clear_language("hola, cuanto debo", DetectionConfig(("en",), 2, 0.7)) is None
    # A stricter threshold keeps a borderline message from switching.
    assert clear_language("me quede sin chamba", DetectionConfig(("en", "es"), 2, 0.99)) is None
