"""A disclosed vulnerability outranks a payment reading (bot/nlu_components/hardship_cues.py,
issue 16, FCA FG21/1): "I want to pay but I lost my job" is a hardship, never a payment link;
payment talk without such a phrase, and every non-acting reading, is left as the classifier
made it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.nlu_components.hardship_cues import CUES, fold, hardship_cue, prefer_hardship

ROOT = Path(__file__).resolve().parents[3]
ACTING = ("propose_plan", "promise_to_pay", "settle", "pay_now")


def parse(top: str, confidence: float, *others: tuple[str, float]) -> dict:
    ranking = [{"name": top, "confidence": confidence}] + [
        {"name": n, "confidence": c} for n, c in others
    ]
    return {"intent": dict(ranking[0]), "intent_ranking": ranking}


def test_folding_drops_latin_accents_and_keeps_devanagari_vowel_signs() -> None:
    assert fold("  Perdí   mi  TRABAJO ") == "perdi mi trabajo"
    assert fold("नौकरी चली गई") == "नौकरी चली गई"


@pytest.mark.parametrize(
    "text",
    [
        "I want to pay but I lost my job last week",
        "i can do $40 a month, i was hospitalised in march",
        "Quiero pagar pero perdí mi trabajo",
        "les pago el viernes, aunque estoy DESEMPLEADA",
    ],
)
def test_a_disclosed_vulnerability_is_found(text: str) -> None:
    assert hardship_cue(text)


@pytest.mark.parametrize(
    "text",
    [
        "I'll pay $100 when my salary comes in on friday",
        "can I pay by card now",
        "tengo suerte, ya me pagaron la quincena y les pago hoy",
        "i can't pay it all at once, can we split it",
    ],
)
def test_payment_talk_is_not_a_disclosure(text: str) -> None:
    assert hardship_cue(text) is None


def test_an_acting_reading_with_a_disclosure_becomes_hardship() -> None:
    reading = parse("pay_now", 0.74, ("hardship", 0.12), ("promise_to_pay", 0.05))
    assert prefer_hardship(reading, "quiero pagar pero perdi mi trabajo")
    assert reading["intent"] == {"name": "hardship", "confidence": 0.74}
    # the two swap places; the FallbackClassifier after it sees the same margin as before
    assert [(e["name"], e["confidence"]) for e in reading["intent_ranking"]] == [
        ("hardship", 0.74),
        ("pay_now", 0.12),
        ("promise_to_pay", 0.05),
    ]


def test_hardship_outside_the_ranking_is_added_at_the_top() -> None:
    reading = parse("settle", 0.6, ("dispute", 0.2))
    assert prefer_hardship(reading, "my husband passed away, can i settle for less")
    assert reading["intent"]["name"] == "hardship"
    assert [e["name"] for e in reading["intent_ranking"]] == ["hardship", "dispute", "settle"]


@pytest.mark.parametrize(
    ("top", "text"),
    [
        ("dispute", "i lost my job and this isn't even my loan"),  # protected: left alone
        ("check_balance", "i lost my job, how much do i owe"),  # not acting: left alone
        ("pay_now", "can I pay by card now"),  # acting, no disclosure
    ],
)
def test_every_other_reading_is_left_as_the_classifier_made_it(top: str, text: str) -> None:
    reading = parse(top, 0.8, ("hardship", 0.1))
    before = yaml.safe_dump(reading)
    assert not prefer_hardship(reading, text)
    assert yaml.safe_dump(reading) == before


def test_every_language_the_bot_speaks_has_phrases() -> None:
    phrases = yaml.safe_load(CUES.read_text(encoding="utf-8"))
    languages = {path.name for path in (ROOT / "bot" / "data" / "nlu").iterdir() if path.is_dir()}
    assert set(phrases) == languages
    assert all(len(phrases[lang]) >= 20 for lang in languages)


def training_examples() -> list[tuple[str, str, str]]:
    """(language, intent, text) of every training example, entity annotations removed."""
    out = []
    for path in sorted((ROOT / "bot" / "data" / "nlu").rglob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            for line in (block.get("examples") or "").splitlines():
                if line.strip().startswith("- ") and "intent" in block:
                    text = re.sub(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}", r"\1\2", line)
                    out.append((path.parent.name, block["intent"], text.strip()[2:]))
    return out


def test_no_acting_training_message_holds_a_phrase() -> None:
    """Precision, on the training data: a phrase inside a message the lender labelled as a
    payment, plan, promise or settlement would turn a right reading into a wrong one."""
    assert [
        (lang, intent, text)
        for lang, intent, text in training_examples()
        if intent in ACTING and hardship_cue(text)
    ] == []


def test_the_override_knows_the_same_acting_intents_as_the_evaluation() -> None:
    from bot.nlu_components.hardship_cues import ACTING as OVERRIDDEN
    from bot.nlu_eval import ACTING as MEASURED

    assert OVERRIDDEN == frozenset(MEASURED) == frozenset(ACTING)
