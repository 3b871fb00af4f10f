"""A message on its way through the dispatcher's pipeline (``outreach.outbox.batch``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from outreach.models import ContactPoint, Message, OutboxItem


@dataclass
class SendJob:
    """A message logged ``sending`` and waiting for its provider call.

    Made by ``batch.prepare``, sent by ``provider_calls.send`` on a worker thread, recorded by
    ``results.record_results``; ``tried`` and ``payload`` carry the row's channel chain along.
    """

    item: OutboxItem
    message: Message
    point: ContactPoint
    kwargs: dict[str, Any]  # channel extras: WhatsApp Content template, email subject/html
    payload: dict[str, Any]
    tried: list[str]
    content_used: bool
    slot: float | None = None  # when the sender's rate limit lets it go (Unix seconds)
    reslots: int = 0
