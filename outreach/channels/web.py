"""The web chat widget's channel: no provider, the message row *is* the delivery.

The widget fetches outbound rows for its conversation (``/chat/api/messages``), so "sending"
only has to hand back an id; the row written by ``messaging.send_message`` is what is shown.
"""

from __future__ import annotations

import uuid

from outreach.channels.base import SendResult


class WebChannel:
    name = "web"

    def send(
        self,
        to: str,
        body: str,
        *,
        status_callback: str | None = None,
        content_sid: str | None = None,
        content_variables: dict[str, str] | None = None,
    ) -> SendResult:
        # "delivered" as soon as it is stored: the widget polls for it within 2 seconds.
        return SendResult(provider_sid="WB" + uuid.uuid4().hex, status="delivered")
