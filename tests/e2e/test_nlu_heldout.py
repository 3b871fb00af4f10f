"""The trained model on the held-out messages (bot/tests/nlu_heldout/): written apart from the
training data and never trained on. The real model, parsed once through Rasa's own venv
(bot/nlu_eval.py); the figures are in docs/nlu-evaluation.md.

A misreading between a protected intent (the borrower disputes, discloses a hardship, complains,
opts out, is the wrong person, asks for a person) and an intent that acts on the account (plan,
promise, settlement, payment) is the dangerous kind: the target is none, in either direction (see MAX_DANGEROUS)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BOT = ROOT / "bot"
HELDOUT = BOT / "tests" / "nlu_heldout"
# Every held-out file is checked against the training data and held to its language's figures.
LANGUAGES = tuple(sorted(path.stem for path in HELDOUT.glob("*.yml")))
# Held-out accuracy each language (hi per script: bot/nlu_eval.py) must reach. The target is 0.95
# and no dangerous confusion at all; what the model reaches today, rounded down, is held here so
# it cannot slip back (docs/nlu-evaluation.md, with the sentence encoder, the data written apart
# and the hardship phrases: en 96.9% (348/359), es 96.3% (312/324), fil 87.5%, sw 88.0%, hi in
# Devanagari 64.0%, romanized 82.4%).
THRESHOLD = {"en": 0.96, "es": 0.96, "fil": 0.87, "sw": 0.87, "hi": 0.63, "hi_Latn": 0.82}
# Protected <-> acting confusions, both directions, at most as measured per language: none in
# English and Spanish (issue 16's target). Each acting intent asks the borrower's YES before it
# stores anything, so a misreading is asked about, not acted on; the target is still none.
MAX_DANGEROUS = {"en": 0, "es": 0, "fil": 1, "sw": 1, "hi": 2, "hi_Latn": 0}


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """bot/nlu_eval.py's JSON for the model `make train` built, on both held-out files."""
    models = BOT / "models"
    if not any(models.glob("*.tar.gz")):
        raise RuntimeError("the trained model is missing: run `make train`")
    out = tmp_path_factory.mktemp("nlu") / "heldout.json"
    done = subprocess.run(
        [
            str(BOT / ".venv" / "bin" / "python"),
            str(BOT / "nlu_eval.py"),
            "--model",
            str(models),
            "--json",
            str(out),
            *(str(HELDOUT / f"{lang}.yml") for lang in LANGUAGES),
        ],
        cwd=ROOT,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "HOME": str(out.parent)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(out.read_text())


def messages(path: Path) -> list[str]:
    """The example texts of a Rasa NLU YAML file, lower-cased and stripped."""
    texts = []
    for block in yaml.safe_load(path.read_text())["nlu"]:
        for line in (block.get("examples") or "").splitlines():
            if line.strip().startswith("- "):
                texts.append(line.strip()[2:].strip().lower())
    return texts


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_held_out_set_is_never_in_the_training_data(language: str) -> None:
    training = {text for path in (BOT / "data" / "nlu").rglob("*.yml") for text in messages(path)}
    heldout = messages(HELDOUT / f"{language}.yml")
    assert len(heldout) >= 150
    assert sorted(set(heldout) & training) == []


@pytest.mark.parametrize("language", sorted(THRESHOLD))
def test_the_model_reads_held_out_messages_at_the_threshold(
    evaluation: dict[str, Any], language: str
) -> None:
    figures = evaluation["per_language"][language]
    wrong = [
        f"{e['expected']} -> {e['predicted']}: {e['text']}"
        for e in evaluation["errors"]
        if e["language"] == language
    ]
    assert figures["n"] >= 100  # hi's 219 messages are about half in each script
    assert figures["accuracy"] >= THRESHOLD[language], "\n".join(wrong)


@pytest.mark.parametrize("language", sorted(MAX_DANGEROUS))
def test_protected_and_acting_intents_are_confused_no_more_than_measured(
    evaluation: dict[str, Any], language: str
) -> None:
    dangerous = [
        f"{e['expected']} -> {e['predicted']}: {e['text']}"
        for e in evaluation["dangerous"]
        if e["language"] == language
    ]
    assert len(dangerous) <= MAX_DANGEROUS[language], "\n".join(dangerous)
