"""The access log masks the M-Pesa page's link token and the M-Pesa callbacks' secret token."""

from __future__ import annotations

import pytest

from outreach.web.access_log import loggable_path


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/pay/mpesa/eyJsIjoxfQ.abc.def", "/pay/mpesa/[token]"),
        ("/pay/mpesa/eyJsIjoxfQ.abc.def/sent", "/pay/mpesa/[token]/sent"),
        ("/pay/eyJsIjoxfQ.abc.def/done", "/pay/[token]/done"),
        ("/webhooks/payments/mpesa/s3cret-token/stk", "/webhooks/payments/mpesa/[token]/stk"),
        ("/webhooks/payments/mpesa/s3cret-token/c2b", "/webhooks/payments/mpesa/[token]/c2b"),
        ("/webhooks/payments/stripe", "/webhooks/payments/stripe"),
    ],
)
def test_it_masks_payment_tokens_in_paths(path, logged):
    assert loggable_path(path) == logged
