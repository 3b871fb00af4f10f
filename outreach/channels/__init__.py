"""Delivery channels behind one interface, chosen by short name."""

from __future__ import annotations

import threading

from outreach.channels.base import Channel, ChannelError, SendResult
from outreach.channels.email import EmailChannel
from outreach.channels.sandbox import SandboxChannel
from outreach.channels.twilio_channel import TwilioChannel
from outreach.channels.web import WebChannel
from outreach.settings import Settings

__all__ = ["Channel", "ChannelError", "EmailChannel", "SendResult", "get_channel"]


def get_channel(settings: Settings, name: str) -> Channel:
    """The channel that delivers ``name`` messages under these settings.

    Email goes over SMTP even in demo mode (a local catcher on SMTP_URL in development); SMS and
    WhatsApp use the sandbox until Twilio credentials are set.
    """
    if name == "web":
        return WebChannel()  # the widget reads the stored row; there is no provider
    if name == "email":
        # Demo installs with no SMTP_URL of their own keep email in the sandbox too.
        if settings.demo_mode and "SMTP_URL" in settings.missing:
            return SandboxChannel(name)
        return EmailChannel(settings)
    if name not in ("sms", "whatsapp"):
        raise ValueError(f"channel: unknown channel {name!r}")
    if settings.demo_mode:
        return SandboxChannel(name)
    # One Twilio client per thread and settings: its HTTP connections are kept alive and reused
    # (the dispatcher's worker threads send thousands of messages a minute).
    cache = _local.__dict__.setdefault("twilio", {})
    key = (id(settings), name, settings.twilio_api_base_url, settings.twilio_account_sid)
    channel = cache.get(key)
    if channel is None:
        channel = cache[key] = TwilioChannel(settings, name)
    return channel


_local = threading.local()
