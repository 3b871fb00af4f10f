"""Requests signed exactly as Twilio signs them."""

from __future__ import annotations

from typing import Any

from twilio.request_validator import RequestValidator

from outreach.settings import SANDBOX_NUMBER


def inbound_form(
    sid: str, sender: str, body: str, *, channel: str = "sms", to: str = SANDBOX_NUMBER
) -> dict[str, str]:
    """An incoming message's form as Twilio posts it: ``From`` and ``To`` in E.164, both with
    the ``whatsapp:`` prefix on WhatsApp; ``To`` is our number (the sandbox's in demo mode)."""
    prefix = "whatsapp:" if channel == "whatsapp" else ""
    return {"MessageSid": sid, "From": prefix + sender, "To": prefix + to, "Body": body}


def signed_post(
    client: Any,
    path: str,
    params: dict[str, str],
    *,
    token: str,
    base_url: str,
    signature: str | None = None,
) -> Any:
    """POST form ``params`` to ``path`` with Twilio's X-Twilio-Signature over base_url + path."""
    sig = signature or RequestValidator(token).compute_signature(base_url + path, params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": sig})
