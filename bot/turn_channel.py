"""Rasa's REST channel, plus one element describing the turn (runs in Rasa's venv).

Same URL (``/webhooks/rest/webhook``), same request and reply list as Rasa's own ``rest``
channel; the app reads the last element, ``{"custom": {"turn": {...}}}``, to log how the
message was understood (intent, confidence) and which actions ran (outreach/bot_turns.py), and
to know which form question is open (active loop, requested slot): the answer to an identity
question is checked by the app and reaches Rasa only as a placeholder (outreach/identity_turns.py).
Nothing the borrower typed is logged here.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)


async def turn_summary(request: Request, sender_id: str) -> dict[str, Any]:
    """Intent, confidence, the actions run since the borrower's latest message, and the form
    question now open (``active_loop``, ``requested_slot``; None when no form is active)."""
    agent = getattr(request.app.ctx, "agent", None)
    if agent is None or agent.tracker_store is None:
        return {}
    tracker = await agent.tracker_store.retrieve(sender_id)
    if tracker is None:
        return {}
    intent: dict[str, Any] = {}
    actions: list[str] = []
    for event in reversed(tracker.events):
        if event.type_name == "user":
            intent = getattr(event, "intent", None) or {}
            break
        name = getattr(event, "action_name", None)
        if event.type_name == "action" and name and name != "action_listen":
            actions.append(name)
    return {
        "intent": intent.get("name"),
        "confidence": intent.get("confidence"),
        "actions": list(reversed(actions)),
        "paused": tracker.is_paused(),
        "active_loop": tracker.active_loop_name,
        "requested_slot": tracker.get_slot("requested_slot") if tracker.active_loop_name else None,
    }


class TurnRestInput(RestInput):
    """``rest`` with the turn summary appended to the reply list."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint("turn_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            sender_id = await self._extract_sender(request)
            text = self._extract_message(request)
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        text,
                        collector,
                        sender_id,
                        input_channel=self.name(),
                        metadata=self.get_metadata(request),
                    )
                )
            except Exception:  # the borrower's text stays out of the log (PII)
                logger.exception("bot turn failed for conversation %s", sender_id)
            try:
                summary = await turn_summary(request, sender_id)
            except Exception:
                logger.exception("no turn summary for conversation %s", sender_id)
                summary = {}
            return response.json([*collector.messages, {"custom": {"turn": summary}}])

        return webhook
