"""Held-out NLU evaluation: runs in Rasa's venv (bot/.venv), never in the app's.

Loads a trained model, parses every message of the held-out files (Rasa NLU YAML, one file per
language, e.g. bot/tests/nlu_heldout/en.yml and es.yml) and reports accuracy per intent and per
language, overall, a confusion matrix, and the confusions between PROTECTED intents (the borrower
asked for protection or a person) and ACTING intents (the bot would act on the account), in both
directions. The predicted intent is the one the bot acts on: after the FallbackClassifier, so a
low-confidence reading counts as `nlu_fallback` (wrong for accuracy, but never a confusion).

    bot/.venv/bin/python bot/nlu_eval.py --model bot/models --json out.json bot/tests/nlu_heldout/*.yml

The held-out files are never training data (bot/tests/nlu_heldout/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import sys
import warnings
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

PROTECTED = ("dispute", "hardship", "complaint", "opt_out", "wrong_party", "request_human")
ACTING = ("propose_plan", "promise_to_pay", "settle", "pay_now")
FALLBACK = "nlu_fallback"


def load_messages(path: Path) -> list[tuple[str, str]]:
    """(text, intent) pairs of one Rasa NLU YAML file, read with Rasa's own loader."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [(ex.get("text"), ex.get("intent")) for ex in data.intent_examples]


def language_of(path: Path, text: str = "") -> str:
    """The language a held-out message is in: its file's stem (en.yml -> en); hi.yml holds
    Hindi in both scripts, reported apart: Devanagari as hi, Latin letters as hi_Latn."""
    if path.stem == "hi" and text and not re.search(r"[\u0900-\u097F]", text):
        return "hi_Latn"
    return path.stem


def model_file(model: Path) -> Path:
    """A model archive, or the newest archive in a models folder."""
    if model.is_file():
        return model
    archives = sorted(model.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not archives:
        raise SystemExit(f"error: --model: no trained model (*.tar.gz) in {model}; run make train")
    return archives[-1]


async def predict(model: Path, texts: list[str]) -> list[tuple[str, float]]:
    """The intent (after fallback) and its confidence for each text."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    out = []
    for text in texts:
        parsed = await agent.parse_message(text)
        intent = parsed.get("intent") or {}
        out.append((intent.get("name") or FALLBACK, float(intent.get("confidence") or 0.0)))
    return out


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Accuracy per language, per intent (per language and both), confusions, dangerous pairs."""

    def accuracy(subset: list[dict[str, Any]]) -> dict[str, Any]:
        right = sum(r["predicted"] == r["expected"] for r in subset)
        return {
            "n": len(subset),
            "correct": right,
            "accuracy": right / len(subset) if subset else 0.0,
        }

    languages = sorted({r["language"] for r in rows})
    intents = sorted({r["expected"] for r in rows})
    per_intent: dict[str, dict[str, Any]] = {}
    for intent in intents:
        mine = [r for r in rows if r["expected"] == intent]
        per_intent[intent] = {
            "all": accuracy(mine),
            **{lang: accuracy([r for r in mine if r["language"] == lang]) for lang in languages},
        }
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows:
        confusion[r["expected"]][r["predicted"]] += 1
    dangerous = [
        r
        for r in rows
        if (r["expected"] in PROTECTED and r["predicted"] in ACTING)
        or (r["expected"] in ACTING and r["predicted"] in PROTECTED)
    ]
    return {
        "overall": accuracy(rows),
        "per_language": {
            lang: accuracy([r for r in rows if r["language"] == lang]) for lang in languages
        },
        "per_intent": per_intent,
        "confusion": {exp: dict(c) for exp, c in sorted(confusion.items())},
        "protected_to_acting": sum(r["expected"] in PROTECTED for r in dangerous),
        "acting_to_protected": sum(r["expected"] in ACTING for r in dangerous),
        "dangerous": dangerous,
        "errors": [r for r in rows if r["predicted"] != r["expected"]],
    }


def report(summary: dict[str, Any], model: Path) -> str:
    """The summary as text for a person: tables, confusions, the dangerous ones in full."""
    langs = sorted(summary["per_language"])
    lines = [f"model: {model}", ""]
    head = f"{'intent':<22}" + "".join(f"{lang:>14}" for lang in langs) + f"{'all':>14}"
    lines += [head, "-" * len(head)]

    def cell(a: dict[str, Any]) -> str:
        return f"{a['correct']}/{a['n']} {100 * a['accuracy']:5.1f}%" if a["n"] else "-"

    for intent, acc in summary["per_intent"].items():
        lines.append(
            f"{intent:<22}"
            + "".join(f"{cell(acc[lang]):>14}" for lang in langs)
            + f"{cell(acc['all']):>14}"
        )
    lines.append("-" * len(head))
    lines.append(
        f"{'TOTAL':<22}"
        + "".join(f"{cell(summary['per_language'][lang]):>14}" for lang in langs)
        + f"{cell(summary['overall']):>14}"
    )
    lines += ["", "confusions (expected -> predicted: count):"]
    for expected, row in summary["confusion"].items():
        wrong = {p: n for p, n in row.items() if p != expected}
        if wrong:
            lines.append(
                f"  {expected}: "
                + ", ".join(f"{p} {n}" for p, n in sorted(wrong.items(), key=lambda x: -x[1]))
            )
    lines += [
        "",
        f"protected -> acting confusions: {summary['protected_to_acting']}",
        f"acting -> protected confusions: {summary['acting_to_protected']}",
    ]
    for r in summary["dangerous"]:
        lines.append(
            f"  [{r['language']}] {r['expected']} -> {r['predicted']} ({r['confidence']:.2f}): {r['text']}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: files to evaluate, --model, --json; prints the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "files", nargs="+", type=Path, help="held-out NLU YAML files, named <language>.yml"
    )
    parser.add_argument("--model", type=Path, default=Path(__file__).parent / "models")
    parser.add_argument(
        "--json", type=Path, help="also write the figures and every error as JSON here"
    )
    parser.add_argument("--errors", action="store_true", help="print every misread message too")
    args = parser.parse_args(argv)
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ["LOG_LEVEL"] = "ERROR"
    warnings.filterwarnings("ignore")
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.ERROR)  # Rasa's per-message debug lines would bury the report
    for path in args.files:
        if not path.is_file():
            parser.error(f"held-out file not found: {path}")
    model = model_file(args.model)
    labelled: list[tuple[str, str, str]] = []
    for path in args.files:
        messages = load_messages(path)
        if not messages:
            parser.error(f"no intent examples in {path}")
        labelled += [(language_of(path, text), text, intent) for text, intent in messages]
    predicted = asyncio.run(predict(model, [text for _, text, _ in labelled]))
    rows = [
        {
            "language": lang,
            "text": text,
            "expected": expected,
            "predicted": got,
            "confidence": round(conf, 4),
        }
        for (lang, text, expected), (got, conf) in zip(labelled, predicted, strict=True)
    ]
    summary = summarise(rows)
    print(report(summary, model))
    if args.errors:
        print("\nmisread messages:")
        for r in summary["errors"]:
            print(
                f"  [{r['language']}] {r['expected']} -> {r['predicted']} ({r['confidence']:.2f}): {r['text']}"
            )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps({"model": str(model), **summary}, indent=2, ensure_ascii=False)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
