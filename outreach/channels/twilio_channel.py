"""SMS and WhatsApp through the real ``twilio`` client (Twilio's REST API, or Prism in tests)."""

from __future__ import annotations

import json
from datetime import datetime

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from outreach.channels.base import PERMANENT_TWILIO_CODES, ChannelError, SendResult
from outreach.settings import Settings


def twilio_client(settings: Settings) -> Client:
    client = Client(settings.twilio_account_sid, settings.twilio_auth_token)
    if settings.twilio_api_base_url:
        # Tests (and on-premise proxies) point the REST API elsewhere, e.g. Prism.
        client.api.base_url = settings.twilio_api_base_url.rstrip("/")
    return client


class TwilioChannel:
    """One class for both Twilio messaging channels; WhatsApp addresses get the prefix."""

    def __init__(self, settings: Settings, name: str = "sms") -> None:
        self.name = name
        self.settings = settings
        self.client = twilio_client(settings)
        self.from_ = (
            settings.twilio_whatsapp_from if name == "whatsapp" else settings.twilio_sms_from
        )
        if name == "whatsapp" and self.from_ and not self.from_.startswith("whatsapp:"):
            self.from_ = "whatsapp:" + self.from_

    def _address(self, to: str) -> str:
        return (
            f"whatsapp:{to}" if self.name == "whatsapp" and not to.startswith("whatsapp:") else to
        )

    def send(
        self,
        to: str,
        body: str,
        *,
        status_callback: str | None = None,
        content_sid: str | None = None,
        content_variables: dict[str, str] | None = None,
    ) -> SendResult:
        kwargs: dict[str, str] = {"to": self._address(to), "from_": self.from_}
        if content_sid:
            kwargs["content_sid"] = content_sid
            kwargs["content_variables"] = json.dumps(content_variables or {})
        else:
            kwargs["body"] = body
        if status_callback:
            kwargs["status_callback"] = status_callback
        try:
            msg = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            code = exc.code
            permanent = code in PERMANENT_TWILIO_CODES or (
                exc.status is not None and 400 <= exc.status < 500 and exc.status != 429
            )
            raise ChannelError(
                f"Twilio refused the message (HTTP {exc.status}, code {code}): {exc.msg}",
                permanent=permanent,
                code=str(code) if code else None,
            ) from exc
        except (TwilioException, OSError) as exc:
            raise ChannelError(f"Twilio unreachable: {exc}", permanent=False) from exc
        return SendResult(provider_sid=msg.sid, status=str(msg.status or "queued"))

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        """The SID of a message to ``to`` with ``body`` the API accepted since ``since``, if any.

        Reconcile asks this after a crash between logging a message and hearing back from
        Twilio, so a message is neither sent twice nor silently lost."""
        try:
            found = self.client.messages.list(to=self._address(to), date_sent_after=since, limit=50)
        except (TwilioException, OSError) as exc:
            raise ChannelError(f"Twilio unreachable: {exc}", permanent=False) from exc
        if self.name == "whatsapp":
            # A Content template's text is Twilio's rendering, not ours: any message to the
            # address since then counts (erring towards never sending twice).
            return found[0].sid if found else None
        return next((m.sid for m in found if (m.body or "") == body), None)
