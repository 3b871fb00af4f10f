"""An offline stand-in for Africa's Talking's SMS API, as its documentation describes it.

africastalking.com/docs/sms/sending and /docs/sms/notifications:

- ``POST /version1/messaging`` (form: ``username``, ``to`` comma-separated, ``message``, optional
  ``from``, ``bulkSMSMode``, ``enqueue``) with header ``apiKey``. A wrong key answers HTTP 401
  with the plain text "The supplied authentication is invalid"; a missing field answers 400 with
  plain text naming it. Otherwise HTTP 201 with ``{"SMSMessageData": {"Message": "Sent to 1/1
  Total Cost: KES 0.8000", "Recipients": [{"statusCode", "number", "status", "cost",
  "messageId"}]}}`` (``Content-Type: application/json``), one recipient per number.
- ``statuses``: a number -> statusCode the fake answers for it (403 InvalidPhoneNumber,
  405 InsufficientBalance, 406 UserInBlacklist, ...); 101 ("Success") otherwise.
- ``down = True``: every call answers 503 with an HTML page (an outage).
- ``report(url, message_id, status, reason)`` posts a delivery report the way Africa's Talking
  does (form: ``id``, ``status``, ``phoneNumber``, ``networkCode``, ``failureReason``,
  ``retryCount``); ``inbound(url, ...)`` posts an incoming message (``date``, ``from``, ``id``,
  ``linkId``, ``text``, ``to``, ``networkCode``).

Every accepted send is recorded in ``sent`` (the form and the headers). Point
``AFRICASTALKING_API_BASE`` at ``url``.
"""

from __future__ import annotations

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import requests

STATUS_NAMES = {
    100: "Processed",
    101: "Success",
    102: "Queued",
    401: "RiskHold",
    402: "InvalidSenderId",
    403: "InvalidPhoneNumber",
    404: "UnsupportedNumberType",
    405: "InsufficientBalance",
    406: "UserInBlacklist",
    407: "CouldNotRoute",
    409: "DoNotDisturbRejection",
    500: "InternalServerError",
    501: "GatewayError",
    502: "RejectedByGateway",
}


class FakeAfricasTalking:
    def __init__(self, username: str = "lender", api_key: str = "at-test-key") -> None:
        self.username, self.api_key = username, api_key
        self.sent: list[dict[str, Any]] = []
        self.statuses: dict[str, int] = {}
        self.down = False
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeAfricasTalking:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, form: dict[str, str], headers: dict[str, str]) -> tuple[int, str, str]:
        if self.down:
            return 503, "text/html", "<html><body>503 Service Temporarily Unavailable</body></html>"
        if headers.get("apikey") != self.api_key or form.get("username") != self.username:
            return 401, "text/plain", "The supplied authentication is invalid"
        for name in ("username", "to", "message"):
            if not form.get(name):
                return 400, "text/plain", f"Request is missing required form field '{name}'"
        recipients = []
        for number in form["to"].split(","):
            code = self.statuses.get(number, 101)
            accepted = code in (100, 101, 102)
            recipients.append(
                {
                    "statusCode": code,
                    "number": number,
                    "status": STATUS_NAMES.get(code, "Failed"),
                    "cost": "KES 0.8000" if accepted else "0",
                    "messageId": f"ATXid_{secrets.token_hex(16)}" if accepted else "None",
                }
            )
        self.sent.append({"form": form, "headers": headers, "recipients": recipients})
        ok = sum(r["statusCode"] in (100, 101, 102) for r in recipients)
        body = {
            "SMSMessageData": {
                "Message": f"Sent to {ok}/{len(recipients)} Total Cost: KES {0.8 * ok:.4f}",
                "Recipients": recipients,
            }
        }
        return 201, "application/json", json.dumps(body)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                if self.path != "/version1/messaging":
                    self._reply(404, "text/plain", "Not Found")
                    return
                form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
                headers = {k.lower(): v for k, v in self.headers.items()}
                self._reply(*fake._answer(form, headers))

            def _reply(self, status: int, content_type: str, body: str) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler

    @staticmethod
    def report_form(
        message_id: str, status: str, number: str, reason: str = "", retries: int = 0
    ) -> dict[str, str]:
        form = {
            "id": message_id,
            "status": status,
            "phoneNumber": number,
            "networkCode": "63902",  # Safaricom
            "retryCount": str(retries),
        }
        if reason:
            form["failureReason"] = reason
        return form

    @staticmethod
    def inbound_form(
        sender: str, text: str, to: str, message_id: str | None = None
    ) -> dict[str, str]:
        return {
            "date": "2026-12-01 09:30:00",
            "from": sender,
            "id": message_id or secrets.token_hex(18),
            "linkId": secrets.token_hex(12),
            "text": text,
            "to": to,
            "networkCode": "63902",
        }

    def report(self, url: str, message_id: str, status: str, reason: str = "") -> requests.Response:
        number = next(
            (
                r["number"]
                for s in self.sent
                for r in s["recipients"]
                if r["messageId"] == message_id
            ),
            "",
        )
        return requests.post(
            url, data=self.report_form(message_id, status, number, reason), timeout=10
        )
