"""Requests signed exactly as Twilio signs them."""

from __future__ import annotations

from typing import Any

from twilio.request_validator import RequestValidator


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
