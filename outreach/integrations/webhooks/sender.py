"""One delivery attempt: a POST signed per Standard Webhooks, over a pooled HTTP session.

The headers (``contracts/api.md``, "Outbound events"): ``webhook-id`` (the delivery's, the same
on every attempt), ``webhook-timestamp`` (Unix seconds when this attempt is sent) and
``webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`` with the
subscription's ``whsec_`` secret, computed by the ``standardwebhooks`` package, the receivers'
own verifier. The timestamp is the wall clock's (``outreach.clock.unix_seconds``): receivers
refuse a signature more than five minutes off their clock, whatever the business clock says.

Only a 2xx is a delivery. A redirect is not followed (the subscription's URL is the one the
lender gave; a 3xx is retried like any other answer), and a timeout, a refused connection or a
TLS error is retried too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.cookiejar import DefaultCookiePolicy
from typing import Protocol

import requests
from requests.adapters import HTTPAdapter
from standardwebhooks.webhooks import Webhook

from outreach import clock

USER_AGENT = "outreach-webhooks/1"
MAX_ANSWER_BYTES = 64 * 1024  # what is read of an answer: the status is what counts


@dataclass(frozen=True)
class Attempt:
    """What one POST did: ``ok`` for a 2xx; otherwise ``error`` says why (no answer body)."""

    ok: bool
    error: str | None = None


class Sender(Protocol):
    def post(self, url: str, secret: str, webhook_id: str, body: bytes) -> Attempt: ...


def signed_headers(
    secret: str, webhook_id: str, body: bytes, unix_seconds: float | None = None
) -> dict[str, str]:
    """The three Standard Webhooks headers (and the content type) for ``body``."""
    seconds = int(clock.unix_seconds() if unix_seconds is None else unix_seconds)
    signature = Webhook(secret).sign(
        webhook_id, datetime.fromtimestamp(seconds, UTC), body.decode("utf-8")
    )
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(seconds),
        "webhook-signature": signature,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }


class HttpSender:
    """POSTs through one ``requests.Session`` whose connection pool holds ``pool_size``
    connections per host (one per worker thread), so a busy receiver keeps its connections."""

    def __init__(
        self,
        timeout_seconds: float,
        pool_size: int = 4,
        session_factory: Callable[[], requests.Session] = requests.Session,
    ) -> None:
        self.timeout = timeout_seconds
        self.session = session_factory()
        # No cookie is kept: one receiver's cookie must never reach another.
        self.session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)

    def post(self, url: str, secret: str, webhook_id: str, body: bytes) -> Attempt:
        headers = signed_headers(secret, webhook_id, body)
        try:
            with self.session.post(
                url,
                data=body,
                headers=headers,
                timeout=(self.timeout, self.timeout),
                allow_redirects=False,
                stream=True,
            ) as answer:
                # Read a little so a kept-alive connection can be reused; never the whole of
                # an unbounded answer.
                for _chunk in answer.iter_content(MAX_ANSWER_BYTES):
                    break
                status = answer.status_code
        except requests.Timeout:
            return Attempt(False, f"timeout after {self.timeout:g}s")
        except requests.ConnectionError as exc:
            return Attempt(False, f"connection failed ({type(exc).__name__})")
        except requests.RequestException as exc:
            return Attempt(False, f"request failed ({type(exc).__name__})")
        if 200 <= status < 300:
            return Attempt(True)
        return Attempt(False, f"HTTP {status}")

    def close(self) -> None:
        self.session.close()
