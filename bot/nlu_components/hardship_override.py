"""A disclosed vulnerability outranks a payment reading (issue 16; FCA FG21/1).

Runs after LogisticRegressionClassifier and before FallbackClassifier. When the classifier's
top intent acts on the account (a payment, promise, plan or settlement) but the message contains
a phrase that discloses a vulnerability (hardship_cues.py), `hardship` takes the top place with
the acting intent's confidence, and the acting intent takes hardship's. Only that swap: every
other reading, and every message without such a phrase, is left exactly as the classifier made
it, so the FallbackClassifier's thresholds still apply. The bot then thanks the borrower, asks
consent before noting anything and offers help (actions/care.py), instead of a payment link.
"""

from __future__ import annotations

from typing import Any

from nlu_components.hardship_cues import hardship_cue, prefer_hardship
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class HardshipCueOverride(GraphComponent, IntentClassifier):
    """Puts a disclosed vulnerability above a payment reading (see the module's docstring)."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> HardshipCueOverride:
        hardship_cue("")  # the phrase file is read (and checked) when the model loads
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if message.get(INTENT):
                prefer_hardship(message.data, message.get(TEXT) or "")
        return messages
