"""Phrases that disclose a vulnerability, and a matcher for them (issue 16; FCA FG21/1).

Under FG21/1 a firm acts on a disclosed vulnerability (job loss, illness, bereavement, a
disaster, mental-health strain) whatever else the message says: "I want to pay but I was made
redundant" is a hardship disclosure, not a payment. The classifier weighs the whole message and
can let the payment words win; these phrases are the safety net that does not (see
hardship_override.py). The phrases (hardship_cues.yml, per language) were written apart from the
held-out set, for precision: each one discloses a difficulty on its own.

Pure Python (no Rasa), so the cross-validation replica (bot/nlu_cv_replica.py) uses it too.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CUES = Path(__file__).with_name("hardship_cues.yml")
HARDSHIP = "hardship"
# The intents that act on the account (bot/nlu_eval.py's ACTING).
ACTING = frozenset({"propose_plan", "promise_to_pay", "settle", "pay_now"})


def fold(text: str) -> str:
    """Lower case, Latin accents removed ("perdí" -> "perdi"), whitespace collapsed. Other
    scripts keep their marks: a Devanagari vowel sign is part of the word, not an accent."""
    out = []
    for char in text.lower():
        base = unicodedata.normalize("NFD", char)
        out.append(base[0] if base[0].isascii() else char)
    return " ".join("".join(out).split())


@lru_cache(maxsize=4)
def _pattern(path: Path) -> re.Pattern[str]:
    phrases = {
        fold(str(phrase))
        for phrases in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).values()
        for phrase in phrases or ()
        if str(phrase).strip()
    }
    if not phrases:
        raise ValueError(f"{path}: no hardship phrases")
    # Longest first, from the start of a word: "hospital" finds "hospitalised", and "erte"
    # (Spain's furlough) is not found inside "suerte".
    body = "|".join(
        re.escape(p).replace(r"\ ", r"\s+") for p in sorted(phrases, key=len, reverse=True)
    )
    return re.compile(rf"(?<![\w\u0900-\u097F])(?:{body})")


def hardship_cue(text: str, path: Path = CUES) -> str | None:
    """The first vulnerability phrase in a message, or None."""
    found = _pattern(path).search(fold(text or ""))
    return found.group(0) if found else None


def prefer_hardship(parse: dict[str, Any], text: str) -> bool:
    """Swaps `hardship` above an acting top intent when `text` discloses a vulnerability; True
    when it did. `parse` holds Rasa's `intent` and `intent_ranking`, changed in place."""
    top = parse.get("intent") or {}
    if top.get("name") not in ACTING or not hardship_cue(text):
        return False
    ranking = [dict(entry) for entry in parse.get("intent_ranking") or [top]]
    hardship = next((e for e in ranking if e.get("name") == HARDSHIP), None)
    if hardship is None:  # outside the ranking's top ten: its confidence is below all of them
        hardship = {"name": HARDSHIP, "confidence": 0.0}
        ranking.append(hardship)
    first = next(e for e in ranking if e.get("name") == top["name"])
    first["confidence"], hardship["confidence"] = hardship["confidence"], first["confidence"]
    ranking.sort(key=lambda e: e.get("confidence") or 0.0, reverse=True)
    parse["intent_ranking"] = ranking
    parse["intent"] = {"name": HARDSHIP, "confidence": hardship["confidence"]}
    return True
