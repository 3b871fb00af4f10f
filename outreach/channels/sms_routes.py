"""Which provider sends an SMS, by the number's country, with failover on transient errors.

``config/sms_routes.yaml`` lists the providers per country in order. The first one sends; when
it fails with a transient error (``ChannelError.permanent`` false: an outage, a 5xx, a route
down, the account out of credit) the next one takes the same message, so one provider's outage
does not stop a country's reminders. A permanent error (invalid number, opted out) is final:
another provider would reach the same dead or unwilling number.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime

import phonenumbers

from outreach import config_files
from outreach.channels.base import Channel, ChannelError, FindsSent, SendResult

log = logging.getLogger(__name__)
PROVIDERS = ("twilio", "africastalking")


def load_routes() -> tuple[dict[str, list[str]], list[str]]:
    """(providers by country, default providers) from ``sms_routes.yaml``; a missing file means
    Twilio for every country. ``ConfigError`` names a malformed key."""
    try:
        data = config_files.load("sms_routes.yaml")
    except config_files.ConfigError:
        if (config_files.config_dir() / "sms_routes.yaml").exists():
            raise
        return {}, ["twilio"]

    def providers(key: str, value: object) -> list[str]:
        if not isinstance(value, list) or not value:
            raise config_files.ConfigError(f"sms_routes.yaml: {key}: expected a list of providers")
        unknown = [p for p in value if p not in PROVIDERS]
        if unknown:
            raise config_files.ConfigError(
                f"sms_routes.yaml: {key}: unknown provider {unknown[0]!r} "
                f"(one of {', '.join(PROVIDERS)})"
            )
        return [str(p) for p in value]

    countries = data.get("countries") or {}
    if not isinstance(countries, dict):
        raise config_files.ConfigError("sms_routes.yaml: countries: expected a mapping")
    by_country = {
        str(code).upper(): providers(f"countries.{code}", value)
        for code, value in countries.items()
    }
    return by_country, providers("default", data.get("default", ["twilio"]))


def country_of(number: str) -> str | None:
    """The ISO 3166 region of an E.164 number, or None when it cannot be told."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number, None))
    except phonenumbers.NumberParseException:
        return None


class RoutedSMS:
    """The ``sms`` channel when more than one SMS provider is configured."""

    name = "sms"

    def __init__(self, providers: Mapping[str, Channel]) -> None:
        self.providers = dict(providers)  # only the configured ones

    def route(self, to: str) -> list[str]:
        """The configured providers for ``to``, in the order they are tried."""
        by_country, default = load_routes()
        wanted = by_country.get(country_of(to) or "", default)
        chosen = [p for p in wanted if p in self.providers]
        # A country whose listed providers are all unconfigured still gets a message through
        # whatever is configured, rather than none at all.
        return chosen or list(self.providers)

    def send(
        self,
        to: str,
        body: str,
        *,
        status_callback: str | None = None,
        content_sid: str | None = None,
        content_variables: dict[str, str] | None = None,
    ) -> SendResult:
        last: ChannelError | None = None
        for provider in self.route(to):
            try:
                return self.providers[provider].send(to, body, status_callback=status_callback)
            except ChannelError as exc:
                if exc.permanent:
                    raise
                log.warning("sms: %s failed (%s); trying the next provider", provider, exc.code)
                last = exc
        assert last is not None  # route() is never empty: the registry builds this with one or more
        raise last

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        """Asked by reconcile after a crash mid-send. Only Twilio can list what it accepted:
        when another provider may have taken the message, it cannot be told, so the message
        is left for review rather than resent (``ChannelError``)."""
        route: Sequence[str] = self.route(to)
        if any(p != "twilio" for p in route):
            raise ChannelError(
                "sms: Africa's Talking keeps no list of sent messages", permanent=False
            )
        twilio = self.providers["twilio"]
        assert isinstance(twilio, FindsSent)
        return twilio.find_sent(to, body, since)
