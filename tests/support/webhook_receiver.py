"""A lender's webhook receiver on 127.0.0.1 that verifies every delivery as a lender would.

Each POST is checked with the ``standardwebhooks`` package's ``Webhook.verify`` against the
subscription's secret (set ``receiver.secret`` once the subscription exists): a delivery that
verifies is kept in ``deliveries`` (webhook-id, parsed body) and answered with the next of
``statuses`` (then ``default_status``), or what ``answer(body)`` says; one that does not is kept in ``rejected`` and answered
401. ``delay`` makes every answer wait that long (the benchmark's 50 ms receiver); ``hold``
makes answers wait until ``release()`` (a receiver too slow for the sender's timeout).

Run standalone for a benchmark: ``python -m tests.support.webhook_receiver --delay 0.05``.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

HOLD_LIMIT_SECONDS = 30  # a forgotten release() still ends the request


@dataclass(frozen=True)
class Delivery:
    webhook_id: str
    body: dict[str, Any]
    status: int  # what the receiver answered


class WebhookReceiver(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, secret: str | None = None, *, delay: float = 0.0) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.secret = secret
        self.delay = delay
        self.statuses: list[int] = []
        self.default_status = 200
        # Decides the answer from the verified body when set (None: statuses, then default).
        self.answer: Callable[[dict[str, Any]], int | None] | None = None
        self.hold = False
        self.deliveries: list[Delivery] = []
        self.rejected: list[str] = []
        self._changed = threading.Condition()
        self._released = threading.Event()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self.server_address[1]}/hooks/outreach"

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=10)

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a killed sender drops its connection mid-request: expected

    def release(self) -> None:
        self._released.set()

    def accepted(self) -> list[Delivery]:
        """The deliveries answered 2xx, in arrival order."""
        with self._changed:
            return [d for d in self.deliveries if 200 <= d.status < 300]

    def wait_for(self, count: int, timeout: float = 30) -> bool:
        """True once ``count`` verified deliveries have arrived (whatever was answered)."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self.deliveries) >= count, timeout)

    def _record(self, raw: bytes, headers: dict[str, str]) -> int:
        try:
            if not self.secret:
                raise WebhookVerificationError("the receiver has no secret yet")
            body = Webhook(self.secret).verify(raw, headers)
        except (WebhookVerificationError, ValueError) as exc:
            with self._changed:
                self.rejected.append(str(exc))
            return 401
        with self._changed:
            status = self.answer(body) if self.answer else None
            if status is None:
                status = self.statuses.pop(0) if self.statuses else self.default_status
            self.deliveries.append(Delivery(headers.get("webhook-id", ""), body, status))
            self._changed.notify_all()
        return status


class _Handler(BaseHTTPRequestHandler):
    server: WebhookReceiver
    protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver: the sender's pool reuses it
    # Headers and body are written apart: without this, Nagle's algorithm and the sender's
    # delayed ACK would add ~40 ms to every answer on a kept-alive connection.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        """``GET /_count``: what arrived, for a benchmark running this in another process."""
        with self.server._changed:
            got = list(self.server.deliveries)
        answer = json.dumps(
            {
                "deliveries": len(got),
                "distinct": len({d.webhook_id for d in got}),
                "rejected": len(self.server.rejected),
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        if len(raw) < length:
            # The sender died mid-request (the crash test's SIGKILL): a cut-off body is not a
            # delivery, and no receiver could verify it; its event is redelivered whole.
            self.close_connection = True
            return
        status = self.server._record(raw, {k.lower(): v for k, v in self.headers.items()})
        if self.server.hold:
            self.server._released.wait(HOLD_LIMIT_SECONDS)
        elif self.server.delay:
            time.sleep(self.server.delay)  # the receiver's own work, not the test's waiting
        answer = json.dumps({"ok": 200 <= status < 300}).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the sender gave up waiting (its timeout): nothing to answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--secret", required=True)
    parser.add_argument("--delay", type=float, default=0.05)
    args = parser.parse_args()
    with WebhookReceiver(args.secret, delay=args.delay) as receiver:
        print(receiver.url, flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
