"""The signature is the contract's: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from outreach import clock
from outreach.integrations.webhooks.sender import signed_headers
from outreach.integrations.webhooks.subscriptions import new_secret

BODY = b'{"type":"payment.received","id":"evt_1","occurred_at":"2026-11-24T16:00:00Z","data":{}}'


def test_it_signs_id_timestamp_and_body_with_the_secrets_key():
    secret = new_secret()
    headers = signed_headers(secret, "msg_abc", BODY, unix_seconds=1_795_000_000)
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = hmac.new(key, b"msg_abc.1795000000." + BODY, hashlib.sha256).digest()
    assert headers["webhook-id"] == "msg_abc"
    assert headers["webhook-timestamp"] == "1795000000"
    assert headers["webhook-signature"] == "v1," + base64.b64encode(expected).decode()


def test_it_verifies_with_the_standardwebhooks_package_and_fails_when_tampered():
    secret = new_secret()
    headers = signed_headers(secret, "msg_abc", BODY, unix_seconds=clock.unix_seconds())
    assert Webhook(secret).verify(BODY, headers)["id"] == "evt_1"
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"evt_1", b"evt_2"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, headers)
