"""Delivery channels behind one interface, chosen by short name through a registry."""

from __future__ import annotations

from outreach.channels.base import Channel, ChannelError, SendResult
from outreach.channels.email import EmailChannel
from outreach.channels.registry import ChannelRegistry, Channels, channels_for

__all__ = [
    "Channel",
    "ChannelError",
    "ChannelRegistry",
    "Channels",
    "EmailChannel",
    "SendResult",
    "channels_for",
]
