"""Rasa's REST channel, plus one element describing the turn (runs in Rasa's venv).

Same URL (``/webhooks/rest/webhook``), same request and reply list as Rasa's own ``rest``
channel; the app reads the last element, ``{"custom": {"turn": {...}}}``, to log how the
message was understood (intent, confidence) and which actions ran (outreach/conversations/bot_turns.py), and
to know which form question is open (active loop, requested slot): the answer to an identity
question is checked by the app and reaches Rasa only as a placeholder (outreach/conversations/identity_turns.py).
Nothing the borrower typed is logged here.

The summary also says what went wrong (security finding 17), because Rasa 3.6 hides it: when a
custom action fails (action server down, an action raising, an unknown action) the processor
logs "Encountered an exception while running action '<name>'", drops the action's events and
carries on as if the action had run (rasa/core/processor.py ``_run_action``), so the borrower
got "Sorry, I didn't get that" or nothing. ``failed_actions`` lists the actions whose failure
was logged while this message was handled; ``turn_failed`` says the whole turn raised (the
tracker's latest intent is then an older message's, so none is reported).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

# The processor's message for an action that failed; the name is the only part kept.
_ACTION_FAILED = re.compile(r"Encountered an exception while running action '([^']+)'")
# The failures of the message being handled. Each Sanic request runs in its own task, and the
# processor runs the actions inside it, so a context variable keeps conversations apart.
_failed_actions: ContextVar[list[str] | None] = ContextVar("failed_actions", default=None)


class FailedActionCollector(logging.Handler):
    """Notes the name of each action the processor reports as failed during this message."""

    def emit(self, record: logging.LogRecord) -> None:
        failed = _failed_actions.get()
        if failed is None:
            return
        match = _ACTION_FAILED.match(str(record.msg))
        if match and match.group(1) not in failed:
            failed.append(match.group(1))


def install_failure_collector() -> None:
    """Attach the collector to Rasa's processor logger once (ERROR records pass Rasa's levels)."""
    processor_log = logging.getLogger("rasa.core.processor")
    if not any(isinstance(h, FailedActionCollector) for h in processor_log.handlers):
        processor_log.addHandler(FailedActionCollector(level=logging.ERROR))


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
        install_failure_collector()
        webhook = Blueprint("turn_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            sender_id = await self._extract_sender(request)
            text = self._extract_message(request)
            collector = CollectingOutputChannel()
            failed: list[str] = []
            _failed_actions.set(failed)
            turn_failed = False
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
                turn_failed = True
            finally:
                _failed_actions.set(None)
            summary: dict[str, Any] = {}
            if not turn_failed:
                try:
                    summary = await turn_summary(request, sender_id)
                except Exception:
                    logger.exception("no turn summary for conversation %s", sender_id)
            summary.update(failed_actions=failed, turn_failed=turn_failed)
            return response.json([*collector.messages, {"custom": {"turn": summary}}])

        return webhook
