"""A stand-in for Razorpay's Payment Links API: ``POST /v1/payment_links``, ``GET
/v1/payment_links/<id>``.

It answers as Razorpay documents (https://razorpay.com/docs/api/payments/payment-links/): the
Payment Link entity with ``id`` ``plink_...``, ``short_url``, ``status`` "created",
``amount``, ``currency``, ``expire_by``, ``reference_id``, ``notes``, ``notify``,
``upi_link``... It authenticates with HTTP basic auth (key id and secret; another pair is
answered 401) and validates as Razorpay does, answering 400 with Razorpay's error body
``{"error": {"code": "BAD_REQUEST_ERROR", "description", "field", ...}}``: an amount under 100
paise, an unsupported currency, an ``expire_by`` less than 15 minutes after now (the app's
clock) or more than six months on, a ``reference_id`` over 40 characters or used before,
``callback_url`` without ``callback_method: get``. ``down = True`` answers 500 with
``SERVER_ERROR``. Every request is recorded (``requests``: the decoded JSON). Point
``RAZORPAY_API_BASE`` at ``url``.

``paid_event(link_id)`` is the ``payment_link.paid`` webhook Razorpay sends once that link is
paid (its payment in full, method UPI), and ``signed(event)`` its raw body and
``X-Razorpay-Signature``, signed with the test webhook secret.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from outreach import clock
from tests.support.payment_signing import RAZORPAY_SECRET, body, razorpay_signature

CURRENCIES = frozenset({"INR", "USD", "EUR", "GBP", "SGD", "AED", "MYR"})
MIN_AHEAD_SECONDS = 15 * 60
MAX_AHEAD_SECONDS = 183 * 24 * 3600  # "cannot exceed more than six months from creation"
SERVER_DOWN = "We are facing some trouble completing your request at the moment."


def error(description: str, field: str | None = None, code: str = "BAD_REQUEST_ERROR") -> dict:
    return {
        "error": {
            "code": code,
            "description": description,
            "source": "business" if field else "NA",
            "step": "payment_initiation" if field else "NA",
            "reason": "input_validation_failed" if field else "NA",
            "metadata": {},
            "field": field,
        }
    }


class FakeRazorpay:
    """``with FakeRazorpay("rzp_test_key", "secret") as rzp:`` serves at ``rzp.url``."""

    def __init__(self, key_id: str, key_secret: str) -> None:
        self.key_id, self.key_secret = key_id, key_secret
        self.down = False
        self.requests: list[dict[str, Any]] = []
        self.links: dict[str, dict[str, Any]] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._lock = threading.Lock()

    def __enter__(self) -> FakeRazorpay:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    # --- what Razorpay checks --------------------------------------------------------------

    def refusal(self, data: Any) -> dict[str, Any] | None:
        if not isinstance(data, dict):
            return error("The request body is not valid JSON")
        amount = data.get("amount")
        if isinstance(amount, bool) or not isinstance(amount, int):
            return error("The amount must be an integer.", "amount")
        if amount < 100:
            return error("The amount must be atleast INR 1.00", "amount")
        currency = data.get("currency", "INR")
        if currency not in CURRENCIES:
            return error("The currency provided is not supported", "currency")
        now = int(clock.now().timestamp())
        expire_by = data.get("expire_by")
        if expire_by is not None:
            if not isinstance(expire_by, int) or expire_by < now + MIN_AHEAD_SECONDS:
                return error(
                    "expire_by should be at least 15 minutes after current time.", "expire_by"
                )
            if expire_by > now + MAX_AHEAD_SECONDS:
                return error("expire_by cannot be more than six months from now.", "expire_by")
        ref = data.get("reference_id")
        if ref is not None:
            if not isinstance(ref, str) or len(ref) > 40:
                return error(
                    "The reference id may not be greater than 40 characters.", "reference_id"
                )
            if any(link["reference_id"] == ref for link in self.links.values()):
                return error(f"Payment Link with reference {ref} already exists", "reference_id")
        if data.get("callback_url") and data.get("callback_method") != "get":
            return error(
                "callback_method should be get when callback_url is set", "callback_method"
            )
        notes = data.get("notes") or {}
        if not isinstance(notes, dict) or len(notes) > 15:
            return error("notes should be an object of at most 15 keys", "notes")
        if any(not isinstance(v, str) or len(v) > 256 for v in notes.values()):
            return error("notes values should be strings of at most 256 characters", "notes")
        return None

    def create(self, data: dict[str, Any]) -> dict[str, Any]:
        link_id = "plink_" + secrets.token_urlsafe(10).replace("-", "A").replace("_", "B")[:14]
        now = int(clock.now().timestamp())
        link = {
            "id": link_id,
            "accept_partial": bool(data.get("accept_partial", False)),
            "amount": data["amount"],
            "amount_paid": 0,
            "callback_method": data.get("callback_method", ""),
            "callback_url": data.get("callback_url", ""),
            "cancelled_at": 0,
            "created_at": now,
            "currency": data.get("currency", "INR"),
            "customer": data.get("customer") or {},
            "description": data.get("description", ""),
            "expire_by": data.get("expire_by", 0),
            "expired_at": 0,
            "first_min_partial_amount": 0,
            "notes": data.get("notes") or None,
            "notify": data.get("notify") or {"sms": False, "email": False},
            "payments": None,
            "reference_id": data.get("reference_id", ""),
            "reminder_enable": bool(data.get("reminder_enable", False)),
            "reminders": [],
            "short_url": f"https://rzp.io/i/{secrets.token_urlsafe(6)}",
            "status": "created",
            "updated_at": now,
            "upi_link": data.get("upi_link") in (True, "true"),
            "user_id": "",
        }
        self.links[link_id] = link
        return link

    # --- the webhook Razorpay would send ---------------------------------------------------

    def paid_event(self, link_id: str, payment_id: str | None = None) -> dict[str, Any]:
        """``payment_link.paid`` for ``link_id``, paid in full by UPI (as Razorpay sends it)."""
        link = dict(self.links[link_id])
        now = int(clock.now().timestamp())
        pay_id = payment_id or "pay_" + secrets.token_hex(7)
        order_id = "order_" + secrets.token_hex(7)
        link.update(status="paid", amount_paid=link["amount"], order_id=order_id)
        link["notes"] = link["notes"] or []  # Razorpay sends [] for a link without notes
        return {
            "account_id": "acc_" + secrets.token_hex(7),
            "contains": ["payment_link", "order", "payment"],
            "created_at": now,
            "entity": "event",
            "event": "payment_link.paid",
            "payload": {
                "order": {
                    "entity": {
                        "id": order_id,
                        "amount": link["amount"],
                        "amount_paid": link["amount"],
                        "amount_due": 0,
                        "currency": link["currency"],
                        "receipt": link["reference_id"],
                        "status": "paid",
                        "notes": link["notes"],
                    }
                },
                "payment": {
                    "entity": {
                        "id": pay_id,
                        "entity": "payment",
                        "amount": link["amount"],
                        "currency": link["currency"],
                        "status": "captured",
                        "order_id": order_id,
                        "method": "upi",
                        "vpa": "borrower@okbank",
                        "captured": True,
                        "notes": link["notes"],
                        "created_at": now,
                    }
                },
                "payment_link": {"entity": link},
            },
        }

    @staticmethod
    def signed(event: dict[str, Any], secret: str = RAZORPAY_SECRET) -> tuple[bytes, str]:
        raw = body(event)
        return raw, razorpay_signature(raw, secret)

    # --- HTTP ------------------------------------------------------------------------------

    def _authorised(self, header: str | None) -> bool:
        expected = base64.b64encode(f"{self.key_id}:{self.key_secret}".encode()).decode()
        return header == f"Basic {expected}"

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
                self.end_headers()
                self.wfile.write(raw)

            def _guard(self) -> bool:
                if fake.down:
                    self._answer(500, error(SERVER_DOWN, code="SERVER_ERROR"))
                    return False
                if not fake._authorised(self.headers.get("Authorization")):
                    self._answer(401, error("Authentication failed"))
                    return False
                return True

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    data = json.loads(raw)
                except ValueError:
                    data = None
                fake.requests.append(data if isinstance(data, dict) else {"_raw": raw.decode()})
                if not self._guard():
                    return
                if self.path.rstrip("/") != "/v1/payment_links":
                    return self._answer(
                        404, error("The requested URL was not found on the server.")
                    )
                with fake._lock:
                    refused = fake.refusal(data)
                    if refused is not None:
                        return self._answer(400, refused)
                    return self._answer(200, fake.create(data))

            def do_GET(self) -> None:
                if not self._guard():
                    return
                prefix = "/v1/payment_links/"
                link = fake.links.get(self.path.removeprefix(prefix).split("?")[0])
                if not self.path.startswith(prefix) or link is None:
                    return self._answer(400, error("The id provided does not exist", "id"))
                return self._answer(200, link)

        return Handler
