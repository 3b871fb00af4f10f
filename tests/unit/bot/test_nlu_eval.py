"""bot/nlu_eval.py's figures from labelled predictions (no model: the summary is plain Python)."""

from __future__ import annotations

from bot.nlu_eval import summarise


def row(lang: str, expected: str, predicted: str) -> dict[str, object]:
    return {
        "language": lang,
        "text": f"{expected} {predicted}",
        "expected": expected,
        "predicted": predicted,
        "confidence": 0.9,
    }


def test_it_counts_accuracy_per_language_and_intent_and_the_confusions() -> None:
    summary = summarise(
        [
            row("en", "check_balance", "check_balance"),
            row("en", "check_balance", "out_of_scope"),
            row("es", "check_balance", "check_balance"),
            row("es", "greet", "greet"),
        ]
    )
    assert summary["overall"] == {"n": 4, "correct": 3, "accuracy": 0.75}
    assert summary["per_language"]["en"]["accuracy"] == 0.5
    assert summary["per_language"]["es"]["accuracy"] == 1.0
    assert summary["per_intent"]["check_balance"]["all"]["correct"] == 2
    assert summary["per_intent"]["check_balance"]["es"] == {"n": 1, "correct": 1, "accuracy": 1.0}
    assert summary["confusion"]["check_balance"] == {"check_balance": 2, "out_of_scope": 1}
    assert [e["predicted"] for e in summary["errors"]] == ["out_of_scope"]


def test_protected_and_acting_confusions_count_both_ways_and_fallback_is_neither() -> None:
    summary = summarise(
        [
            row("en", "hardship", "propose_plan"),
            row("es", "wrong_party", "pay_now"),
            row("en", "promise_to_pay", "dispute"),
            row("en", "dispute", "nlu_fallback"),
            row("en", "settle", "propose_plan"),
            row("en", "opt_out", "complaint"),
        ]
    )
    assert summary["protected_to_acting"] == 2
    assert summary["acting_to_protected"] == 1
    assert sorted(e["expected"] for e in summary["dangerous"]) == [
        "hardship",
        "promise_to_pay",
        "wrong_party",
    ]


def test_hindi_is_reported_per_script() -> None:
    from pathlib import Path

    from bot.nlu_eval import language_of

    hi = Path("bot/tests/nlu_heldout/hi.yml")
    assert language_of(hi, "मेरा बैलेंस कितना है") == "hi"
    assert language_of(hi, "mera balance kitna hai") == "hi_Latn"
    assert language_of(Path("sw.yml"), "salio langu") == "sw"
