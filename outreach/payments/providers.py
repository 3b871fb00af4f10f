"""The providers the settings configure: one without its credentials is not offered (and its
callback endpoint answers 404)."""

from __future__ import annotations

from outreach.payments.mpesa import Mpesa
from outreach.payments.razorpay_links import RazorpayLinks
from outreach.payments.stripe_checkout import StripeCheckout
from outreach.settings import Settings

Provider = StripeCheckout | Mpesa | RazorpayLinks


def configured(settings: Settings) -> dict[str, Provider]:
    """{name: provider} for every provider whose credentials are all set."""
    s = settings
    out: dict[str, Provider] = {}
    if s.stripe_api_key and s.stripe_webhook_secret:
        out["stripe"] = StripeCheckout(s.stripe_api_key, s.stripe_webhook_secret, s.stripe_api_base)
    mpesa = (
        s.mpesa_consumer_key,
        s.mpesa_consumer_secret,
        s.mpesa_shortcode,
        s.mpesa_passkey,
        s.mpesa_callback_token,
    )
    if all(mpesa):
        out["mpesa"] = Mpesa(*mpesa, api_base=s.mpesa_api_base, allowed_ips=s.mpesa_allowed_ips)
    if s.razorpay_key_id and s.razorpay_key_secret and s.razorpay_webhook_secret:
        out["razorpay"] = RazorpayLinks(
            s.razorpay_key_id, s.razorpay_key_secret, s.razorpay_webhook_secret, s.razorpay_api_base
        )
    return out
