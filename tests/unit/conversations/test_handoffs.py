"""The app's own handoff (outreach/conversations/handoffs.py) knows the same handoff intents as the bot."""

from __future__ import annotations

from pathlib import Path

import yaml

from outreach.conversations.handoffs import HANDOFF_INTENTS

RULES = Path(__file__).resolve().parents[3] / "bot" / "data" / "rules"


def test_it_knows_every_intent_the_bot_hands_off_on() -> None:
    handed_off: set[str] = set()
    for path in RULES.glob("*.yml"):
        for rule in yaml.safe_load(path.read_text())["rules"]:
            if any(step.get("action") == "action_handoff" for step in rule["steps"]):
                handed_off.update(step["intent"] for step in rule["steps"] if "intent" in step)
    assert handed_off == set(HANDOFF_INTENTS)
