"""Creating Razorpay Payment Links with the real ``razorpay`` client against a fake of its API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import razorpay

from outreach.payments.razorpay_links import (
    LINK_LIFETIME,
    PaymentLink,
    RazorpayError,
    RazorpayLinks,
)
from tests.support.fake_razorpay import FakeRazorpay

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture
def fake(clock):
    clock.move_to(NOW)  # the fake judges expire_by on the app's clock, as Razorpay on its own
    with FakeRazorpay("rzp_test_key", "secret") as fake:
        yield fake


def create(provider: RazorpayLinks, amount: str = "1500.00", **over):
    args = {
        "now": NOW,
        "description": "Demo Lender ••••1234",
        "callback_url": "https://outreach.test/pay/tok/upi/done",
    }
    args.update(over)
    return provider.create_link("LN0001", Decimal(amount), "INR", **args)


def test_it_creates_a_link_that_expires_soon_and_names_the_loan(fake):
    made = create(RazorpayLinks("rzp_test_key", "secret", "whsec", fake.url), conversation_id=9)
    assert isinstance(made, PaymentLink) and made.id.startswith("plink_")
    assert made.short_url.startswith("https://rzp.io/")
    sent = fake.requests[-1]
    assert sent["expire_by"] == int((NOW + LINK_LIFETIME).timestamp())
    assert sent["notes"] == {"loan_number": "LN0001", "conversation_id": "9"}
    assert "customer" not in sent  # no phone given: no contact sent
    assert "upi_link" not in sent  # test keys: UPI links work only in live mode (Razorpay docs)


def test_it_asks_for_a_upi_link_with_live_keys(clock):
    clock.move_to(NOW)
    with FakeRazorpay("rzp_live_key", "secret") as fake:
        create(RazorpayLinks("rzp_live_key", "secret", "whsec", fake.url))
        assert fake.requests[-1]["upi_link"] is True
        assert next(iter(fake.links.values()))["upi_link"] is True


def test_razorpays_refusal_is_a_clear_error(fake):
    provider = RazorpayLinks("rzp_test_key", "secret", "whsec", fake.url)
    with pytest.raises(RazorpayError, match="expire_by should be at least 15 minutes"):
        create(provider, now=NOW - timedelta(minutes=20))  # a link that would expire at once
    with pytest.raises(RazorpayError, match=r"amount must be atleast INR 1\.00"):
        create(provider, amount="0.50")
    assert fake.links == {}


def test_each_provider_has_its_own_base_url_and_the_default_is_untouched(fake):
    ours = RazorpayLinks("rzp_test_key", "secret", "whsec", fake.url + "/").client()
    plain = RazorpayLinks("rzp_test_key", "secret", "whsec").client()
    assert ours.base_url == fake.url
    assert plain.base_url == razorpay.Client.DEFAULTS["base_url"] == "https://api.razorpay.com"
    assert razorpay.Client().base_url == "https://api.razorpay.com"  # no global was changed


def test_an_answer_without_a_link_is_an_error(fake, monkeypatch):
    provider = RazorpayLinks("rzp_test_key", "secret", "whsec", fake.url)
    monkeypatch.setattr(fake, "create", lambda data: {"id": "plink_1", "short_url": "rzp.io/x"})
    with pytest.raises(RazorpayError, match="no https short_url"):
        create(provider)
