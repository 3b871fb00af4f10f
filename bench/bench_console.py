"""Console and widget figures: bundle size, widget poll latency, queue and case page latency.

Run: .venv/bin/python bench/bench_console.py  (SQLite in a temp dir, Flask test client, no Rasa).
Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from outreach import create_app
from outreach.migrate import upgrade
from outreach.models import Conversation, HandoffCase, Message
from tests.conftest import make_settings
from tests.support.factories import make_borrower
from tests.support.officers import login, make_officer

STATIC = Path(__file__).resolve().parents[1] / "outreach" / "web" / "static"
CASES, MESSAGES, RUNS = 50, 60, 300


def timed(fn, runs: int = RUNS) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    tmp = tempfile.mkdtemp()
    url = f"sqlite:///{tmp}/bench.sqlite"
    upgrade(url)
    app = create_app(make_settings(url))
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    app.extensions["outreach.limiter"].enabled = False  # measure the endpoints, not the 429s
    with app.extensions["sessions"]() as session:
        officer = make_officer(session)
        for i in range(CASES):
            phone = f"+1312555{i:04d}"
            borrower = make_borrower(session, phone=phone)
            conv = Conversation(
                channel="web", address=f"web:{i}", borrower_id=borrower.id, owner="officer"
            )
            session.add(conv)
            session.flush()
            for j in range(MESSAGES):
                session.add(
                    Message(
                        conversation_id=conv.id,
                        borrower_id=borrower.id,
                        direction="in" if j % 2 else "out",
                        channel="web",
                        address=conv.address,
                        sender="borrower" if j % 2 else "bot",
                        body=f"message {j}",
                        status="received" if j % 2 else "delivered",
                    )
                )
            session.add(
                HandoffCase(conversation_id=conv.id, borrower_id=borrower.id, reason="requested")
            )
        session.commit()
        public_id = conv.public_id
    client = app.test_client()
    from itsdangerous import URLSafeTimedSerializer

    key = URLSafeTimedSerializer(
        app.extensions["settings"].secret_key, salt="web-chat-key.v1"
    ).dumps(public_id)
    login(client, officer)
    got = client.get("/chat/api/messages?after=0", headers={"X-Chat-Key": key}).get_json()
    assert len(got["messages"]) == MESSAGES, got  # the poll really returns the transcript

    def poll(after: int) -> None:
        resp = client.get(f"/chat/api/messages?after={after}", headers={"X-Chat-Key": key})
        assert resp.status_code == 200, resp.status_code

    poll_idle = timed(lambda: poll(999999))
    poll_full = timed(lambda: poll(0))
    queue = timed(lambda: client.get("/console/", headers={"X-Requested-With": "poll"}), 100)
    case = timed(
        lambda: client.get(f"/console/cases/{CASES}", headers={"X-Requested-With": "poll"}), 100
    )
    js, css = (STATIC / "widget.js").read_bytes(), (STATIC / "widget.css").read_bytes()
    rows = [
        (
            "widget.js + widget.css",
            f"{len(js) + len(css):,} bytes, "
            f"{len(gzip.compress(js)) + len(gzip.compress(css)):,} gzipped; no dependencies",
        ),
        ("widget poll, nothing new (p50 / p95)", f"{poll_idle[0]:.1f} / {poll_idle[1]:.1f} ms"),
        (
            f"widget poll, whole transcript of {MESSAGES} (p50 / p95)",
            f"{poll_full[0]:.1f} / {poll_full[1]:.1f} ms",
        ),
        (
            f"console queue refresh, {CASES} open cases (p50 / p95)",
            f"{queue[0]:.1f} / {queue[1]:.1f} ms",
        ),
        (
            f"console case refresh, {MESSAGES} messages + panels (p50 / p95)",
            f"{case[0]:.1f} / {case[1]:.1f} ms",
        ),
    ]
    print("| measure | result |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
