"""A stand-in for Stripe's API, enough for Checkout: ``POST /v1/checkout/sessions``.

It answers as Stripe documents (https://docs.stripe.com/api/checkout/sessions/create): the
Checkout Session object with ``id``, ``object``, ``url``, ``status`` "open", ``payment_status``
"unpaid", ``amount_total``, ``currency``, ``metadata``, ``success_url``, ``cancel_url``,
``expires_at`` (24 hours on). The request is form-encoded with bracketed keys
(``metadata[loan_number]``, ``line_items[0][price_data][unit_amount]``) and authenticated with
``Authorization: Bearer <secret key>``: another key is answered 401 with Stripe's error shape.
Every request is recorded (``requests``: the decoded form, flat). Point ``STRIPE_API_BASE`` at
``url``.
"""

from __future__ import annotations

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from outreach import clock


class FakeStripe:
    """``with FakeStripe("sk_test_123") as stripe:`` serves at ``stripe.url``."""

    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.requests: list[dict[str, str]] = []
        self.headers: list[dict[str, str]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeStripe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def session(self, form: dict[str, str]) -> dict[str, Any]:
        sid = "cs_test_" + secrets.token_hex(12)
        metadata = {
            k[len("metadata[") : -1]: v for k, v in form.items() if k.startswith("metadata[")
        }
        prefix = "line_items[0][price_data]"
        unit = int(form.get(f"{prefix}[unit_amount]", "0"))
        quantity = int(form.get("line_items[0][quantity]", "1"))
        return {
            "id": sid,
            "object": "checkout.session",
            "url": f"https://checkout.stripe.com/c/pay/{sid}",
            "status": "open",
            "payment_status": "unpaid",
            "mode": form.get("mode"),
            "amount_total": unit * quantity,
            "currency": form.get(f"{prefix}[currency]"),
            "metadata": metadata,
            "client_reference_id": form.get("client_reference_id"),
            "success_url": form.get("success_url"),
            "cancel_url": form.get("cancel_url"),
            "payment_intent": None,
            "expires_at": int(clock.now().timestamp()) + 24 * 3600,  # the app's (test) clock
            "livemode": False,
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self, status: int, data: dict[str, Any]) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.send_header("Request-Id", "req_" + secrets.token_hex(7))
                self.end_headers()
                self.wfile.write(raw)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
                fake.requests.append(form)
                fake.headers.append(dict(self.headers))
                if self.headers.get("Authorization") != f"Bearer {fake.api_key}":
                    error = {"type": "invalid_request_error", "message": "Invalid API Key"}
                    return self._answer(401, {"error": error})
                if self.path != "/v1/checkout/sessions":
                    error = {"type": "invalid_request_error", "message": "Unrecognized URL"}
                    return self._answer(404, {"error": error})
                return self._answer(200, fake.session(form))

        return Handler
