"""Every borrower-facing text table of the app has every language the bot speaks (issue 20).

A table missing a language would answer a Swahili, Filipino or Hindi borrower in English (or
fail on a KeyError); a translation missing a placeholder would drop the amount or the date.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from outreach import config_files
from outreach.conversations import intent_check, keywords, menu_texts, notices
from outreach.payments import bot_offer
from outreach.selfservice import hours, plans
from outreach.selfservice.locale import BOT_LANGUAGES
from outreach.web import chat

PLACEHOLDER = re.compile(r"\{(\w+)\}")
TABLES: dict[str, dict[str, Any]] = {
    **{f"notices.{kind}": texts for kind, texts in notices.NOTICES.items()},
    "keywords.OPT_OUT_CONFIRMATION": keywords.OPT_OUT_CONFIRMATION,
    "keywords.OPT_IN_CONFIRMATION": keywords.OPT_IN_CONFIRMATION,
    "keywords.HELP_TEXT": keywords.HELP_TEXT,
    **{f"intent_check.{k}": texts for k, texts in intent_check.QUESTIONS.items()},
    "intent_check.DECLINED": intent_check.DECLINED,
    "hours._SOON": hours._SOON,
    "hours._AT": hours._AT,
    "hours._NEAR": hours._NEAR,
    "plans.FREQUENCY_WORDS": plans.FREQUENCY_WORDS,
    "plans.REASONS": plans.REASONS,
    "bot_offer.REASONS": bot_offer.REASONS,
    "menu_texts.TEXTS": menu_texts.TEXTS,
    "chat.PAGE_TEXTS": chat.PAGE_TEXTS,
    "bot.yaml payment_methods": config_files.bot()["payment_methods"],
}


def _placeholders(value: Any) -> Any:
    if isinstance(value, str):
        return sorted(PLACEHOLDER.findall(value))
    if isinstance(value, dict):
        return {key: _placeholders(v) for key, v in value.items()}
    return [_placeholders(v) for v in value]


@pytest.mark.parametrize("name", sorted(TABLES))
def test_the_table_has_every_language_with_the_english_placeholders(name: str) -> None:
    table = TABLES[name]
    assert set(BOT_LANGUAGES) <= set(table), f"{name}: missing {set(BOT_LANGUAGES) - set(table)}"
    english = _placeholders(table["en"])
    for language in BOT_LANGUAGES:
        assert _placeholders(table[language]) == english, f"{name} [{language}]"


def test_the_menu_and_the_bot_offer_the_same_languages() -> None:
    assert menu_texts.MENU_LANGUAGES == BOT_LANGUAGES
    assert menu_texts.menu_language("hi-Latn-IN") == "hi_Latn"
    assert menu_texts.menu_language("tl_PH") == "fil"
    assert menu_texts.menu_language("sw_KE") == "sw"
