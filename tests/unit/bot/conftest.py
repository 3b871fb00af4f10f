"""Fixtures for the bot's custom actions: saved trackers, the real domain, a dispatcher.

trackers/*.json are the trackers Rasa 3.6 actually sent to the action server in live
conversations (Rasa + action server + the app's services on a demo database), saved as-is.
The app's services are replaced in every test (monkeypatch on the `outreach.selfservice`
package, which the actions look each function up on), so nothing here touches a database.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

HERE = Path(__file__).resolve().parent
DOMAIN_DIR = HERE.parents[2] / "bot" / "domain"


def load_domain() -> dict[str, Any]:
    """bot/domain/*.yml merged the way Rasa merges a domain directory (by top-level key)."""
    domain: dict[str, Any] = {}
    for path in sorted(DOMAIN_DIR.glob("*.yml")):
        part = yaml.safe_load(path.read_text()) or {}
        for key, value in part.items():
            if isinstance(value, dict):
                domain.setdefault(key, {}).update(value)
            elif isinstance(value, list):
                domain.setdefault(key, []).extend(value)
            else:
                domain[key] = value
    return domain


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return load_domain()


@pytest.fixture
def tracker_state() -> Callable[[str], dict[str, Any]]:
    """The raw saved tracker, for tests that need to change one thing in it."""

    def load(name: str) -> dict[str, Any]:
        return json.loads((HERE / "trackers" / f"{name}.json").read_text())

    return load


@pytest.fixture
def tracker(tracker_state: Callable[[str], dict[str, Any]]) -> Callable[[str], Tracker]:
    def load(name: str) -> Tracker:
        return Tracker.from_dict(tracker_state(name))

    return load


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


def variation(domain: dict[str, Any], response: str, language: str = "en") -> dict[str, Any]:
    """The variation Rasa would pick: the one whose `language` condition matches, else the
    one without a condition."""
    variations = domain["responses"][response]
    for candidate in variations:
        for condition in candidate.get("condition") or []:
            if condition.get("name") == "language" and condition.get("value") == language:
                return candidate
    return next(v for v in variations if not v.get("condition"))


@pytest.fixture
def rendered(domain: dict[str, Any]) -> Callable[..., list[str]]:
    """What the borrower would read: each message's domain response filled with its values."""

    def render(dispatcher: CollectingDispatcher, language: str = "en") -> list[str]:
        texts = []
        for message in dispatcher.messages:
            if message.get("text"):
                texts.append(message["text"])
                continue
            chosen = variation(domain, message["response"], language)
            template = chosen.get("text") or chosen.get("custom", {}).get("text", "")
            texts.append(template.format(**message))
        return texts

    return render
