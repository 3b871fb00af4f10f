"""The one interface every delivery channel implements.

Errors say whether they are permanent (stop using that address: Twilio 21211 invalid number,
21610 unsubscribed) or transient (timeouts, 5xx, 429: retry later).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

# Twilio error codes after which the address must not be used again.
PERMANENT_TWILIO_CODES = {21211: "invalid_number", 21610: "opted_out", 21614: "not_mobile"}


@dataclass(frozen=True)
class SendResult:
    provider_sid: str
    status: str  # queued | sent | delivered


class ChannelError(Exception):
    """A send failed. ``permanent`` means retrying the same address cannot succeed."""

    def __init__(self, message: str, *, permanent: bool, code: str | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.code = code


class Channel(Protocol):
    name: str

    def send(
        self,
        to: str,
        body: str,
        *,
        status_callback: str | None = None,
        content_sid: str | None = None,
        content_variables: dict[str, str] | None = None,
    ) -> SendResult:
        """Send ``body`` to ``to`` (E.164 for sms/whatsapp, an address for email).

        WhatsApp outside the 24-hour session: ``content_sid`` names an approved Content template
        and ``content_variables`` fill it; ``body`` is then the rendered text kept for the log.
        """
        ...


@runtime_checkable
class FindsSent(Protocol):
    """A channel whose provider can be asked what it accepted (Twilio's message list)."""

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        """The provider's id for a message to ``to`` with ``body`` accepted since ``since``,
        or None; raises ``ChannelError`` when the provider cannot be asked."""
        ...
