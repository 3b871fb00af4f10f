"""Which providers a borrower may pay through: configuration per country, credentials permitting.

``config/payments.yaml`` ``providers`` lists, per borrower country (ISO 3166 alpha-2, ``default``
for any other), the providers a lender offers there, in the order they are offered. A provider
whose credentials are not set is not offered (``outreach.payments.providers.configured``). In
demo mode (no credentials at all, not production) the country's providers are all offered and
simulated by the sandbox (``Offer.sandbox``): a Kenyan demo borrower sees an "M-Pesa" prompt on
the sandbox phone, a US one a card page.
"""

from __future__ import annotations

from dataclasses import dataclass

from outreach import config_files
from outreach.payments import sandbox
from outreach.payments.providers import configured
from outreach.settings import Settings

KNOWN = ("stripe", "mpesa", "razorpay")
DEFAULT_PROVIDERS: dict[str, list[str]] = {
    "KE": ["mpesa"],
    "IN": ["razorpay"],
    "default": ["stripe"],
}


@dataclass(frozen=True)
class Offer:
    """What a borrower is offered: provider names in order (empty: nothing to pay through), and
    whether the sandbox simulates them (demo mode)."""

    providers: tuple[str, ...]
    sandbox: bool = False

    @property
    def first(self) -> str | None:
        return self.providers[0] if self.providers else None


def country_providers(country: str | None) -> list[str]:
    """The providers configured for ``country`` (``default`` for any other), known ones only."""
    table = DEFAULT_PROVIDERS
    if (config_files.config_dir() / "payments.yaml").is_file():
        table = config_files.load("payments.yaml").get("providers") or DEFAULT_PROVIDERS
    names = table.get((country or "").upper(), table.get("default", []))
    return [n for n in names or [] if n in KNOWN]


def offer_for(settings: Settings, country: str | None) -> Offer:
    """The offer for a borrower in ``country`` under these settings."""
    names = country_providers(country)
    if sandbox.offered(settings):
        return Offer(tuple(names), sandbox=True)
    live = configured(settings)
    return Offer(tuple(n for n in names if n in live))
