"""A tiny stand-in for Twilio's Messages API on 127.0.0.1 that answers after a delay.

Used by the crash test and the dispatch benchmark: it counts every message it accepts (by To) so a test can prove each was sent exactly once, and answers ``GET Messages.json?To=`` so
the dispatcher's reconcile can ask whether a message it lost track of was received.
Run standalone: ``python -m tests.support.provider_stub --port 6100 --delay 0.1``.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class Stub(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024

    def __init__(self, port: int, delay: float) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.delay = delay
        self.lock = threading.Lock()
        self.received: list[dict[str, Any]] = []

    def handle_error(self, request: object, client_address: object) -> None:
        # A killed dispatcher drops its connections mid-request: expected, not an error.
        pass

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def busiest_window(self, seconds: float = 1.0) -> int:
        """The most messages received in any window of ``seconds`` (a rate limit's proof)."""
        with self.lock:
            times = sorted(m["at"] for m in self.received)
        busiest, first = 0, 0
        for last, at in enumerate(times):
            while at - times[first] >= seconds:
                first += 1
            busiest = max(busiest, last - first + 1)
        return busiest

    def counts(self) -> Counter:
        with self.lock:
            # By recipient: a resent message has a fresh signed link, so its body differs.
            return Counter(m["to"] for m in self.received)


class Handler(BaseHTTPRequestHandler):
    server: Stub
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # keep-alive replies must not wait for delayed ACKs

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _json(self, status: int, payload: object) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        msg = {
            "sid": "SM" + uuid.uuid4().hex,
            "to": form.get("To", ""),
            "from": form.get("From", ""),
            "body": form.get("Body", ""),
            "status": "queued",
            "date_created": time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()),
        }
        arrived = time.monotonic()
        with self.server.lock:  # counted on arrival: what matters is that the request reached us
            self.server.received.append({**msg, "at": arrived})
        time.sleep(self.server.delay)
        self._json(201, msg)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/_count":
            counts = self.server.counts()
            self._json(
                200,
                {
                    "total": sum(counts.values()),
                    "unique": len(counts),
                    "duplicates": sum(1 for n in counts.values() if n > 1),
                },
            )
            return
        to = (parse_qs(url.query).get("To") or [""])[0]
        with self.server.lock:
            found = [
                {k: v for k, v in m.items() if k != "at"}
                for m in self.server.received
                if m["to"] == to
            ]
        self._json(
            200,
            {
                "messages": found,
                "next_page_uri": None,
                "page": 0,
                "page_size": 50,
                "uri": url.path,
                "first_page_uri": url.path,
                "previous_page_uri": None,
                "start": 0,
                "end": len(found),
            },
        )


def serve_in_thread(port: int, delay: float) -> Stub:
    stub = Stub(port, delay)
    threading.Thread(target=stub.serve_forever, daemon=True).start()
    return stub


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=6100)
    parser.add_argument("--delay", type=float, default=0.1)
    args = parser.parse_args()
    Stub(args.port, args.delay).serve_forever()
