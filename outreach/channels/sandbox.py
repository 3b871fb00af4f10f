"""Demo sandbox: stands in for Twilio when no credentials are set.

Nothing leaves the machine; the message row itself is what the sandbox phone page shows.
"""

from __future__ import annotations

import uuid
from typing import Any

from outreach.channels.base import SendResult


class SandboxChannel:
    def __init__(self, name: str) -> None:
        self.name = name

    def send(
        self,
        to: str,
        body: str,
        *,
        status_callback: str | None = None,
        content_sid: str | None = None,
        content_variables: dict[str, str] | None = None,
        **_email: Any,
    ) -> SendResult:
        return SendResult(provider_sid="SB" + uuid.uuid4().hex, status="delivered")
