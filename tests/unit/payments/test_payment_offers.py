"""Which providers a borrower is offered: the lender's list for the country, credentials permitting."""

from __future__ import annotations

from outreach.payments.offers import Offer, offer_for
from tests.conftest import make_settings
from tests.support.payment_signing import PAYMENT_ENV

STRIPE_ONLY = {k: v for k, v in PAYMENT_ENV.items() if k.startswith("STRIPE")}


def test_it_offers_each_country_its_configured_provider_when_all_are_set_up():
    settings = make_settings("sqlite://", **PAYMENT_ENV)
    assert offer_for(settings, "KE") == Offer(("mpesa",))
    assert offer_for(settings, "in") == Offer(("razorpay",))
    assert offer_for(settings, "US") == Offer(("stripe",))
    assert offer_for(settings, None) == Offer(("stripe",))


def test_it_never_offers_a_provider_without_credentials():
    settings = make_settings("sqlite://", **STRIPE_ONLY)
    assert offer_for(settings, "KE") == Offer(())
    assert offer_for(settings, "KE").first is None
    assert offer_for(settings, "GB").first == "stripe"


def test_it_simulates_the_countrys_providers_in_demo_mode():
    settings = make_settings("sqlite://")
    assert offer_for(settings, "KE") == Offer(("mpesa",), sandbox=True)
    assert offer_for(settings, "US") == Offer(("stripe",), sandbox=True)


def test_it_reads_the_lenders_own_country_list(tmp_path, monkeypatch):
    (tmp_path / "payments.yaml").write_text("providers:\n  KE: [mpesa, stripe]\n  default: []\n")
    monkeypatch.setenv("OUTREACH_CONFIG_DIR", str(tmp_path))
    settings = make_settings("sqlite://", **PAYMENT_ENV)
    assert offer_for(settings, "KE") == Offer(("mpesa", "stripe"))
    assert offer_for(settings, "US") == Offer(())
