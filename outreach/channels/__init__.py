"""Delivery channels behind one interface, chosen by short name."""

from __future__ import annotations

from ..settings import Settings
from .base import Channel, ChannelError, SendResult
from .sandbox import SandboxChannel
from .twilio_channel import TwilioChannel
from .web import WebChannel

__all__ = ["Channel", "ChannelError", "SendResult", "get_channel"]


def get_channel(settings: Settings, name: str) -> Channel:
    """The channel that delivers ``name`` messages under these settings."""
    if name == "web":
        return WebChannel()  # the widget reads the stored row; there is no provider
    if name not in ("sms", "whatsapp"):
        raise ValueError(f"channel: unknown channel {name!r}")
    if settings.demo_mode:
        return SandboxChannel(name)
    return TwilioChannel(settings, name)
