"""A stand-in for Safaricom's Daraja API: OAuth, STK Push, STK Push query, and the callback.

It behaves as Daraja documents (developer.safaricom.co.ke: Authorization, M-Pesa Express
Simulate, M-Pesa Express Query):

- ``GET /oauth/v1/generate?grant_type=client_credentials`` with Basic auth of the consumer key
  and secret answers ``{"access_token", "expires_in": "3599"}``; other credentials get
  ``400.008.01``.
- ``POST /mpesa/stkpush/v1/processrequest`` needs ``Authorization: Bearer <a token it issued>``
  (else ``404.001.03`` "Invalid Access Token", HTTP 404 as Daraja answers), a ``Password`` that is
  base64(shortcode + passkey + Timestamp) (else ``500.001.1001`` "Wrong credentials") and the
  documented fields (else ``400.002.02`` "Bad Request - Invalid <field>"); it answers
  ``MerchantRequestID``, ``CheckoutRequestID``, ``ResponseCode`` "0", ``ResponseDescription``,
  ``CustomerMessage`` and records the request (``pushes``).
- ``POST /mpesa/stkpushquery/v1/query``: ``500.001.1001`` "The transaction is being processed"
  until the test settles the prompt (``succeed`` / ``fail``), then ``ResultCode``/``ResultDesc``
  (strings, as the query answers them).
- ``deliver(checkout_id, client)`` posts the asynchronous result to the push's CallBackURL:
  exactly the ``{"Body": {"stkCallback": ...}}`` JSON Daraja posts.
- ``down = True``: every call answers 503 with an HTML page (a Daraja outage).

Every request is recorded (``requests``: method, path, headers, JSON body). Point
``MPESA_API_BASE`` at ``url``.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

STK_FIELDS = (
    "BusinessShortCode",
    "Password",
    "Timestamp",
    "TransactionType",
    "Amount",
    "PartyA",
    "PartyB",
    "PhoneNumber",
    "CallBackURL",
    "AccountReference",
    "TransactionDesc",
)
TIMESTAMP = re.compile(r"^\d{14}$")
MSISDN = re.compile(r"^254[17]\d{8}$")
SAFARICOM_CALLER = "196.201.214.200"  # one of the addresses Daraja calls back from


@dataclass
class Push:
    """One STK Push the fake accepted, and its result once the test settles it."""

    body: dict[str, Any]
    merchant_request_id: str
    checkout_request_id: str
    result_code: int | None = None
    result_desc: str = ""
    receipt: str | None = None
    paid_amount: float | None = None
    paid_phone: int | str | None = None


class FakeDaraja:
    """``with FakeDaraja(key, secret, shortcode, passkey) as daraja:`` serves at ``daraja.url``."""

    def __init__(self, consumer_key: str, consumer_secret: str, shortcode: str, passkey: str):
        self.consumer_key, self.consumer_secret = consumer_key, consumer_secret
        self.shortcode, self.passkey = shortcode, passkey
        self.tokens: set[str] = set()
        self.pushes: dict[str, Push] = {}
        self.requests: list[dict[str, Any]] = []
        self.down = False
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeDaraja:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    # --- what a test does ------------------------------------------------------------------
    def revoke_tokens(self) -> None:
        """Every token issued so far stops working (Daraja expired or revoked them)."""
        self.tokens.clear()

    def calls(self, path: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"] == path]

    def only_push(self) -> Push:
        (push,) = self.pushes.values()
        return push

    def succeed(
        self,
        checkout_id: str,
        *,
        receipt: str = "QKH94M1Z11",
        amount: float | None = None,
        phone: int | str | None = None,
    ) -> Push:
        """The borrower entered their PIN: paid (by default the amount and phone asked for)."""
        push = self.pushes[checkout_id]
        push.result_code, push.result_desc = 0, "The service request is processed successfully."
        push.receipt = receipt
        push.paid_amount = float(push.body["Amount"]) if amount is None else amount
        push.paid_phone = int(push.body["PhoneNumber"]) if phone is None else phone
        return push

    def fail(self, checkout_id: str, code: int = 1032, desc: str = "Request cancelled by user"):
        push = self.pushes[checkout_id]
        push.result_code, push.result_desc = code, desc
        return push

    def callback_body(self, checkout_id: str) -> bytes:
        """The JSON Daraja posts to the CallBackURL for a settled prompt."""
        push = self.pushes[checkout_id]
        if push.result_code is None:
            raise AssertionError("settle the prompt first (succeed or fail)")
        callback: dict[str, Any] = {
            "MerchantRequestID": push.merchant_request_id,
            "CheckoutRequestID": push.checkout_request_id,
            "ResultCode": push.result_code,
            "ResultDesc": push.result_desc,
        }
        if push.result_code == 0:
            callback["CallbackMetadata"] = {
                "Item": [
                    {"Name": "Amount", "Value": push.paid_amount},
                    {"Name": "MpesaReceiptNumber", "Value": push.receipt},
                    {"Name": "Balance"},
                    {"Name": "TransactionDate", "Value": int(push.body["Timestamp"])},
                    {"Name": "PhoneNumber", "Value": push.paid_phone},
                ]
            }
        return json.dumps({"Body": {"stkCallback": callback}}).encode()

    def deliver(self, checkout_id: str, client: Any = None, remote: str = SAFARICOM_CALLER):
        """POST the result to the push's CallBackURL: through a Flask test ``client`` (its path,
        from ``remote``), or over HTTP to the URL itself when no client is given."""
        url = self.pushes[checkout_id].body["CallBackURL"]
        body = self.callback_body(checkout_id)
        if client is None:
            return requests.post(
                url, data=body, headers={"Content-Type": "application/json"}, timeout=10
            )
        return client.post(
            urlsplit(url).path,
            data=body,
            content_type="application/json",
            environ_base={"REMOTE_ADDR": remote},
        )

    # --- what Daraja answers ---------------------------------------------------------------
    def _password_ok(self, body: dict[str, Any]) -> bool:
        stamp = str(body.get("Timestamp", ""))
        expected = base64.b64encode(f"{self.shortcode}{self.passkey}{stamp}".encode()).decode()
        return (
            bool(TIMESTAMP.match(stamp))
            and body.get("Password") == expected
            and str(body.get("BusinessShortCode")) == self.shortcode
        )

    def _push(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if not self._password_ok(body):
            return 500, _error("500.001.1001", "Wrong credentials")
        for name in STK_FIELDS:
            if name not in body or body[name] in ("", None):
                return 400, _error("400.002.02", f"Bad Request - Invalid {name}")
        if body["TransactionType"] != "CustomerPayBillOnline":
            return 400, _error("400.002.02", "Bad Request - Invalid TransactionType")
        if not isinstance(body["Amount"], int) or body["Amount"] < 1:
            return 400, _error("400.002.02", "Bad Request - Invalid Amount")
        for name in ("PartyA", "PhoneNumber"):
            if not MSISDN.match(str(body[name])):
                return 400, _error("400.002.02", f"Bad Request - Invalid {name}")
        if str(body["PartyB"]) != self.shortcode:
            return 400, _error("400.002.02", "Bad Request - Invalid PartyB")
        if len(str(body["AccountReference"])) > 12 or not 1 <= len(body["TransactionDesc"]) <= 13:
            return 400, _error("400.002.02", "Bad Request - Invalid AccountReference")
        if not str(body["CallBackURL"]).startswith("https://"):
            return 400, _error("400.002.02", "Bad Request - Invalid CallBackURL")
        merchant = f"{secrets.randbelow(99999)}-{secrets.randbelow(10**8)}-1"
        checkout = f"ws_CO_{body['Timestamp']}{secrets.randbelow(10**12):012d}"
        self.pushes[checkout] = Push(body, merchant, checkout)
        return 200, {
            "MerchantRequestID": merchant,
            "CheckoutRequestID": checkout,
            "ResponseCode": "0",
            "ResponseDescription": "Success. Request accepted for processing",
            "CustomerMessage": "Success. Request accepted for processing",
        }

    def _query(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if not self._password_ok(body):
            return 500, _error("500.001.1001", "Wrong credentials")
        push = self.pushes.get(str(body.get("CheckoutRequestID")))
        if push is None:
            return 400, _error("400.002.02", "Bad Request - Invalid CheckoutRequestID")
        if push.result_code is None:
            return 500, _error("500.001.1001", "The transaction is being processed")
        return 200, {
            "ResponseCode": "0",
            "ResponseDescription": "The service request has been accepted successsfully",
            "MerchantRequestID": push.merchant_request_id,
            "CheckoutRequestID": push.checkout_request_id,
            "ResultCode": str(push.result_code),
            "ResultDesc": push.result_desc,
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self, status: int, data: dict[str, Any] | None, raw: bytes = b"") -> None:
                payload = json.dumps(data).encode() if data is not None else raw
                self.send_response(status)
                ctype = "application/json" if data is not None else "text/html"
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _record(self, body: Any) -> None:
                fake.requests.append(
                    {
                        "method": self.command,
                        "path": urlsplit(self.path).path,
                        "headers": dict(self.headers),
                        "body": body,
                    }
                )

            def do_GET(self) -> None:
                self._record(None)
                if fake.down:
                    return self._answer(503, None, b"<html>Service Unavailable</html>")
                url = urlsplit(self.path)
                if url.path != "/oauth/v1/generate":
                    return self._answer(404, _error("404.001.01", "Resource not found"))
                if parse_qs(url.query).get("grant_type") != ["client_credentials"]:
                    return self._answer(400, _error("400.008.02", "Invalid grant type passed"))
                basic = (
                    "Basic "
                    + base64.b64encode(
                        f"{fake.consumer_key}:{fake.consumer_secret}".encode()
                    ).decode()
                )
                if self.headers.get("Authorization") != basic:
                    return self._answer(400, _error("400.008.01", "Invalid Authentication passed"))
                token = secrets.token_urlsafe(21)
                fake.tokens.add(token)
                return self._answer(200, {"access_token": token, "expires_in": "3599"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"null")
                except ValueError:
                    body = None
                self._record(body)
                if fake.down:
                    return self._answer(503, None, b"<html>Service Unavailable</html>")
                bearer = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                if bearer not in fake.tokens:
                    return self._answer(404, _error("404.001.03", "Invalid Access Token"))
                if not isinstance(body, dict):
                    return self._answer(400, _error("400.002.05", "Invalid Request Payload"))
                path = urlsplit(self.path).path
                if path == "/mpesa/stkpush/v1/processrequest":
                    return self._answer(*fake._push(body))
                if path == "/mpesa/stkpushquery/v1/query":
                    return self._answer(*fake._query(body))
                return self._answer(404, _error("404.001.01", "Resource not found"))

        return Handler


def _error(code: str, message: str) -> dict[str, str]:
    """Daraja's error body."""
    return {
        "requestId": f"{secrets.randbelow(99999)}-{secrets.randbelow(10**8)}-1",
        "errorCode": code,
        "errorMessage": message,
    }
