"""Which channel delivers a message, by short name: the registry services are handed.

Services take a ``Channels`` (cosmicpython): the app factory builds one ``ChannelRegistry`` per
app, the scheduler's jobs and the CLI build theirs from settings, and tests hand in a fake that
records what was "sent" (``tests/support/channels.py``) instead of patching module globals.
"""

from __future__ import annotations

import threading
import weakref
from typing import Protocol

from outreach.channels.africastalking import AfricasTalkingSMS
from outreach.channels.base import Channel
from outreach.channels.email import EmailChannel
from outreach.channels.sandbox import SandboxChannel
from outreach.channels.sms_routes import RoutedSMS
from outreach.channels.twilio_channel import TwilioChannel
from outreach.channels.web import WebChannel
from outreach.settings import Settings


class Channels(Protocol):
    """What a service needs to deliver: the channel for a short name (``sms``, ``whatsapp``,
    ``email``, ``web``). ``get`` raises ``ValueError`` for a name it does not know; it may be
    called from several threads at once (the dispatcher's workers)."""

    def get(self, name: str) -> Channel: ...


class ChannelRegistry:
    """The real channels under one set of settings.

    Email goes over SMTP even in demo mode (a local catcher on SMTP_URL in development); SMS and
    WhatsApp use the sandbox until Twilio credentials are set. With Africa's Talking credentials
    too, SMS goes through ``RoutedSMS``: the provider by the number's country, with failover
    (config/sms_routes.yaml).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # One Twilio client per thread: its HTTP connections are kept alive and reused (the
        # dispatcher's worker threads send thousands of messages a minute), and a client's
        # connection pool is not shared between threads.
        self._local = threading.local()

    def get(self, name: str) -> Channel:
        settings = self.settings
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
        if name == "sms" and settings.africastalking_configured:
            return self._routed_sms()
        return self._twilio(name)

    def _routed_sms(self) -> RoutedSMS:
        settings, twilio = self.settings, self._twilio("sms")
        # Rebuilt when either provider's address or account changes (as for Twilio below).
        key = (id(twilio), settings.africastalking_api_base, settings.africastalking_username)
        cached: tuple[tuple[object, ...], RoutedSMS] | None = self._local.__dict__.get("routed")
        if cached is None or cached[0] != key:
            routed = RoutedSMS({"twilio": twilio, "africastalking": AfricasTalkingSMS(settings)})
            cached = self._local.routed = (key, routed)
        return cached[1]

    def _twilio(self, name: str) -> TwilioChannel:
        settings = self.settings
        cache: dict[tuple[str, str, str], TwilioChannel] = self._local.__dict__.setdefault(
            "twilio", {}
        )
        # Keyed by the API address and account too: a test (or an operator) may point the same
        # settings object elsewhere, and a client must not keep talking to the old one.
        key = (name, settings.twilio_api_base_url, settings.twilio_account_sid)
        channel = cache.get(key)
        if channel is None:
            channel = cache[key] = TwilioChannel(settings, name)
        return channel


_shared: dict[int, tuple[weakref.ref[Settings], ChannelRegistry]] = {}
_shared_lock = threading.Lock()


def channels_for(settings: Settings) -> ChannelRegistry:
    """The registry for a ``dispatch`` caller that was not handed one (the benchmark, tests
    against a local Twilio or SMTP double; the app's CLI and the scheduler pass theirs): one per
    settings object for as long as it lives, so repeated passes keep reusing their thread's
    Twilio connection. ``send_message`` and ``outreach.conversations`` take no fallback."""
    key = id(settings)
    with _shared_lock:
        entry = _shared.get(key)
        if entry is not None and entry[0]() is settings:
            return entry[1]
        registry = ChannelRegistry(settings)
        # Dropped when the settings object goes, so a later object with the same id gets its own
        # (``pop`` bound now: at interpreter exit the module's globals may already be gone).
        ref = weakref.ref(settings, lambda _ref, pop=_shared.pop: pop(key, None))
        _shared[key] = (ref, registry)
        return registry
