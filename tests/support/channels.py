"""A fake channel registry that records what was "sent" (cosmicpython's fake channel).

Hand it to the code under test instead of the real registry: ``dispatch(..., channels=fake)``,
``send_message(..., channels=fake)``, or ``app.extensions["channels"] = fake`` for the web app.
It is safe to use from the dispatcher's worker threads.
"""

from __future__ import annotations

import threading
from typing import Any

from outreach import clock
from outreach.channels import ChannelError, SendResult

NAMES = ("sms", "whatsapp", "email", "web")


class FakeChannel:
    """One channel of a ``FakeChannels``: every send goes to the registry's record."""

    def __init__(self, channels: FakeChannels, name: str) -> None:
        self.channels = channels
        self.name = name

    def send(self, to: str, body: str, **kwargs: Any) -> SendResult:
        return self.channels.record(self.name, to, body, kwargs)


class FakeChannels:
    """A ``Channels`` whose channels accept everything, or raise the errors they are given.

    ``sent``: ``(channel, to, body, kwargs)`` for each message accepted, in order; ``kwargs`` are
    what the channel was called with (``status_callback``, ``content_sid``, ``subject`` ...).
    ``sent_at``: when each accepted send left, on the clock send slots are kept on
    (``outreach.clock.unix_seconds``), for rate checks.
    ``errors``: channel name -> ChannelErrors raised in turn by its next sends (nothing recorded).
    """

    def __init__(self, errors: dict[str, list[ChannelError]] | None = None) -> None:
        self.sent: list[tuple[str, str, str, dict[str, Any]]] = []
        self.sent_at: list[float] = []
        self.errors = dict(errors or {})
        self._lock = threading.Lock()

    def get(self, name: str) -> FakeChannel:
        if name not in NAMES:
            raise ValueError(f"channel: unknown channel {name!r}")
        return FakeChannel(self, name)

    def record(self, name: str, to: str, body: str, kwargs: dict[str, Any]) -> SendResult:
        with self._lock:
            queue = self.errors.get(name) or []
            if queue:
                raise queue.pop(0)
            self.sent.append((name, to, body, kwargs))
            self.sent_at.append(clock.unix_seconds())
            number = len(self.sent)
        return SendResult(provider_sid=f"SM{number:032d}", status="queued")
