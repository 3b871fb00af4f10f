"""A borrower texting the app through the signed Twilio webhook, and what they get back."""

from __future__ import annotations

import itertools

from sqlalchemy import select

from outreach.models import Message
from outreach.settings import Settings
from tests.conftest import PUBLIC_BASE_URL
from tests.support.twilio_signing import signed_post

NUMBER = "+13125550100"
_sids = itertools.count(1)


def text_in(client, settings: Settings, body: str, **extra: str) -> list[str]:
    """A signed SMS webhook from NUMBER; the bodies sent back to NUMBER for it."""
    form = {"MessageSid": f"SM{next(_sids):032d}", "From": NUMBER, "To": "+15005550006"}
    resp = signed_post(
        client,
        "/webhooks/twilio/sms",
        {**form, "Body": body, **extra},
        token=settings.sandbox_auth_token,
        base_url=PUBLIC_BASE_URL,
    )
    assert resp.status_code == 200
    inbound = client.application.extensions["sessions"]()
    try:
        last_in = inbound.scalar(select(Message).where(Message.provider_sid == form["MessageSid"]))
        return list(
            inbound.scalars(
                select(Message.body)
                .where(Message.id > last_in.id, Message.direction == "out")
                .order_by(Message.id)
            )
        )
    finally:
        inbound.close()
