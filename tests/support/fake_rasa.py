"""A stand-in Rasa HTTP server for the failure paths the real one cannot be made to take on cue:
a server that hangs, one whose tracker API refuses the resume, one that reports a failed action.

It speaks the endpoints the app calls (``outreach/conversations/rasa_client.py``): the REST channel
``POST /webhooks/rest/webhook`` (answered with ``replies``, a list or a function of the request
body), the tracker events API ``POST /conversations/<id>/tracker/events`` (answered with
``resume_status``) and the NLU's ``POST /model/parse`` (answered with ``parse``, else 404). Every request is recorded. With ``hang`` set, turns wait until the test
releases them (``release()``, also done on exit), so a test can hold Rasa calls in flight.
A conversation in ``paused`` is answered as Rasa answers a paused tracker (no texts, the summary
says ``paused``) until a resume for it succeeds.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Replies = list[dict[str, Any]] | Callable[[dict[str, Any]], list[dict[str, Any]]]
HANG_LIMIT_SECONDS = 60  # a forgotten release() still ends the request, never the test run


def turn_summary(intent: str | None = "greet", **fields: Any) -> dict[str, Any]:
    """The turn summary element bot/turn_channel.py appends to every reply list."""
    summary = {"intent": intent, "confidence": 0.99, "actions": [], "paused": False}
    summary.update(fields)
    return {"custom": {"turn": summary}}


class FakeRasa:
    """``with FakeRasa() as rasa:`` serves on 127.0.0.1 at ``rasa.url`` until the block ends."""

    def __init__(self, replies: Replies | None = None) -> None:
        self.replies: Replies = (
            replies if replies is not None else [{"text": "Hi!"}, turn_summary()]
        )
        self.resume_status = 200
        # What ``POST /model/parse`` answers (None: 404, as if the NLU could not be asked).
        self.parse: dict[str, Any] | None = None
        self.parsed: list[str] = []  # texts sent to /model/parse
        self.hang = False
        self.paused: set[str] = set()  # conversation ids a handoff paused
        self.turns: list[dict[str, Any]] = []  # request bodies sent to the REST channel
        self.resumes: list[str] = []  # conversation ids a resume was POSTed for
        self.in_flight = 0
        self._changed = threading.Condition()
        self._released = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeRasa:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def release(self) -> None:
        """Let every hanging turn answer (with an empty reply list)."""
        self._released.set()

    def wait_in_flight(self, count: int, timeout: float = 10) -> bool:
        """True once ``count`` turns are being held at the same time."""
        with self._changed:
            return self._changed.wait_for(lambda: self.in_flight >= count, timeout=timeout)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet test output
                pass

            def _answer(self, status: int, payload: Any) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                data = json.loads(self.rfile.read(length) or b"{}")
                path = self.path.split("?", 1)[0]
                if path == "/webhooks/rest/webhook":
                    fake.turns.append(data)
                    if fake.hang:
                        with fake._changed:
                            fake.in_flight += 1
                            fake._changed.notify_all()
                        fake._released.wait(HANG_LIMIT_SECONDS)
                        with fake._changed:
                            fake.in_flight -= 1
                        self._answer(200, [])
                        return
                    if data.get("sender") in fake.paused:
                        self._answer(200, [turn_summary(paused=True)])
                        return
                    replies = fake.replies(data) if callable(fake.replies) else fake.replies
                    self._answer(200, replies)
                elif path == "/model/parse":
                    fake.parsed.append(data.get("text"))
                    if fake.parse is None:
                        self._answer(404, {"error": "not found"})
                    else:
                        self._answer(200, {"text": data.get("text"), **fake.parse})
                elif path.startswith("/conversations/") and path.endswith("/tracker/events"):
                    fake.resumes.append(path.split("/")[2])
                    ok = fake.resume_status < 400
                    if ok:
                        fake.paused.discard(path.split("/")[2])
                    self._answer(fake.resume_status, {} if ok else {"error": "unavailable"})
                else:
                    self._answer(404, {"error": "not found"})

        return Handler
