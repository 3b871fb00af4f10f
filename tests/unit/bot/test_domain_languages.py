"""Every bot response exists in every language the bot speaks (issue 20), with the same
placeholders as the English one: a missing variant would answer a Swahili borrower in English,
a missing placeholder would drop the amount or the date from the message."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.actions.common import LANGUAGES
from outreach.selfservice.locale import BOT_LANGUAGES

PLACEHOLDER = re.compile(r"\{(\w+)\}")
DEVANAGARI = re.compile(r"[\u0900-\u097F]")


def _text(variant: dict[str, Any]) -> str:
    return variant.get("text") or variant.get("custom", {}).get("text", "")


def _by_language(variants: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found = {}
    for variant in variants:
        conditions = variant.get("condition") or []
        language = next((c["value"] for c in conditions if c.get("name") == "language"), "en")
        found[language] = variant
    return found


def test_the_bot_and_the_app_speak_the_same_languages(domain: dict[str, Any]) -> None:
    slot = domain["slots"]["language"]
    assert tuple(slot["values"]) == LANGUAGES == BOT_LANGUAGES


def test_every_response_has_every_language_with_the_english_placeholders(
    domain: dict[str, Any],
) -> None:
    problems = []
    for name, variants in domain["responses"].items():
        by_language = _by_language(variants)
        english = set(PLACEHOLDER.findall(_text(by_language["en"])))
        for language in LANGUAGES:
            if language not in by_language:
                problems.append(f"{name}: no {language}")
                continue
            found = set(PLACEHOLDER.findall(_text(by_language[language])))
            if found != english:
                problems.append(f"{name} [{language}]: {sorted(found)} != {sorted(english)}")
            if by_language[language].keys() - {"condition"} != by_language["en"].keys():
                problems.append(f"{name} [{language}]: not the same kind of response")
    assert problems == []


@pytest.mark.parametrize(("language", "devanagari"), [("hi", True), ("hi_Latn", False)])
def test_hindi_is_written_in_devanagari_and_romanized_hindi_in_latin_letters(
    domain: dict[str, Any], language: str, devanagari: bool
) -> None:
    texts = [_text(_by_language(v)[language]) for v in domain["responses"].values()]
    assert all(bool(DEVANAGARI.search(t)) is devanagari for t in texts)
