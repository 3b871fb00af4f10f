"""Benchmark outbound event delivery: deliveries per second to a receiver answering in 50 ms.

    .venv/bin/python bench/bench_events.py                      # SQLite, print the figures
    .venv/bin/python bench/bench_events.py --pg postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/bench_events.py --write [--pg URL]   # update "## Event delivery"
                                                                # in docs/benchmarks.md

Workload per database: a fresh migrated database; 3,000 events (``emit``, 15 each for 200
borrowers, interleaved, in transactions of 100) for one subscription; the receiver
(``tests/support/webhook_receiver.py``, in its own process) verifies every delivery with
``standardwebhooks`` and answers after 50 ms. One ``deliver`` run sends them all, with 4 worker
threads and with 16 (``EVENTS_WORKERS``' default). Then 200 events of one borrower: they go one
after the other (order per borrower), so 1 / 50 ms = 20 per second is their ceiling.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BORROWERS = 200
PER_BORROWER = 15
ONE_BORROWER = 200
DELAY = 0.05


def make_db(kind: str, pg: str | None) -> str:
    if kind == "sqlite":
        return f"sqlite:///{Path('/tmp') / f'bench-events-{uuid.uuid4().hex[:8]}.sqlite'}"
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from outreach.db import normalise_url

    base = make_url(normalise_url(pg))
    name = f"bench_events_{uuid.uuid4().hex[:8]}"
    with create_engine(base, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return base.set(database=name).render_as_string(hide_password=False)


def drop_db(url: str) -> None:
    from outreach.db import engine_for

    engine_for.cache_clear()
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from outreach.db import normalise_url

    u = make_url(normalise_url(url))
    with create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))


def start_receiver(secret: str) -> tuple[subprocess.Popen[str], str]:
    """The receiver in its own process; its first line of output is its URL."""
    args = ["-m", "tests.support.webhook_receiver", "--secret", secret, "--delay", str(DELAY)]
    proc = subprocess.Popen(
        [sys.executable, *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    return proc, proc.stdout.readline().strip()


def counts(url: str) -> dict[str, int]:
    import requests

    base = url.split("/hooks/")[0]
    return requests.get(base + "/_count", timeout=10).json()


def seed(session, borrowers: int, each: int, now) -> int:
    """``borrowers`` borrowers with ``each`` events each, interleaved, 100 per transaction."""
    from outreach import events
    from outreach.models import Borrower

    people = []
    for _ in range(borrowers):
        person = Borrower(
            external_id=f"BENCH-{uuid.uuid4().hex[:12]}", full_name="Bench", country="US"
        )
        session.add(person)
        people.append(person)
    session.commit()
    written = 0
    for k in range(each):
        for person in people:
            events.emit(session, "payment.received", person.id, {"n": k}, now)
            written += 1
            if written % 100 == 0:
                session.commit()
    session.commit()
    return written


def run_one(kind: str, pg: str | None) -> list[dict]:
    from outreach import clock
    from outreach.db import session_factory
    from outreach.integrations.webhooks import subscriptions
    from outreach.integrations.webhooks.worker import deliver
    from outreach.migrate import upgrade
    from outreach.settings import Settings

    rows = []
    for label, borrowers, each, workers in (
        (f"{BORROWERS} borrowers x {PER_BORROWER}", BORROWERS, PER_BORROWER, 4),
        (f"{BORROWERS} borrowers x {PER_BORROWER}", BORROWERS, PER_BORROWER, 16),
        (f"1 borrower x {ONE_BORROWER}", 1, ONE_BORROWER, 16),
    ):
        url = make_db(kind, pg)
        receiver = None
        try:
            upgrade(url)
            settings = Settings.from_env(
                {"DATABASE_URL": url, "SECRET_KEY": "bench-events-" + uuid.uuid4().hex}
            )
            with session_factory(url)() as session:
                sub, secret = subscriptions.create(
                    session, "bench", "http://127.0.0.1:9/x", "all", actor="bench", now=clock.now()
                )
                session.commit()
                receiver, receiver_url = start_receiver(secret)
                sub.url = receiver_url
                session.commit()
                now = clock.now()
                started = time.perf_counter()
                written = seed(session, borrowers, each, now)
                emit_seconds = time.perf_counter() - started
            cpu = time.process_time()
            started = time.perf_counter()
            report = deliver(settings, clock.now(), workers=workers)
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu
            got = counts(receiver_url)
            assert report.delivered == written, report
            assert got["distinct"] == written and got["rejected"] == 0, got
            rows.append(
                {
                    "database": kind,
                    "workload": label,
                    "workers": workers,
                    "events": written,
                    "emit_ms": 1000 * emit_seconds / written,
                    "seconds": seconds,
                    "per_second": written / seconds,
                    "ceiling": min(workers, borrowers) / DELAY,
                    "cpu_ms": 1000 * cpu / written,
                    "duplicates": got["deliveries"] - got["distinct"],
                }
            )
            print(json.dumps(rows[-1]), flush=True)
        finally:
            if receiver is not None:
                receiver.kill()
                receiver.wait(10)
            drop_db(url)
    return rows


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in subprocess.run(
                ["lscpu"], capture_output=True, text=True
            ).stdout.splitlines()
            if line.startswith("Model name")
        ),
        platform.processor() or "unknown CPU",
    )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs (`nproc`), {model} (`lscpu | grep 'Model name'`), "
        f"Python {platform.python_version()}, load average {load} when it started"
    )


def section(rows: list[dict], command: str, where: str) -> str:
    lines = [
        "## Event delivery",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: {where}; other helpers' test suites share it. Measured {date.today()}.",
        "",
        "Workload: a fresh migrated database per row; the events written with `emit` (100 per "
        "transaction; the emit column is its cost per event, sequence number and delivery row "
        "included), one subscription, and one `deliver` run sending them all to a receiver in "
        "its own process that verifies each delivery with `standardwebhooks` and answers after "
        "50 ms. Ceiling: worker threads (at most one per borrower, for order) / 50 ms. CPU is "
        "the delivering process's (the receiver's excluded).",
        "",
        "| database | events | workers | deliveries/s | ceiling/s | emit ms/event | "
        "CPU ms/delivery | duplicates |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['database']} | {r['workload']} | {r['workers']} | {r['per_second']:.0f} | "
            f"{r['ceiling']:.0f} | {r['emit_ms']:.2f} | {r['cpu_ms']:.2f} | {r['duplicates']} |"
        )
    lines += [
        "",
        "How to read it: with many borrowers the worker threads are the limit (each waits 50 ms "
        "per POST), so `EVENTS_WORKERS` buys throughput until the CPU (signing, the database "
        "round trips per delivery: store the outcome and pass the hold to the stream's next "
        "delivery) is; one borrower's events go one at a time whatever the workers, the price "
        "of order per borrower.",
        "",
        "",
    ]
    return "\n".join(lines)


def write_section(text: str) -> None:
    path = REPO / "docs" / "benchmarks.md"
    doc = path.read_text()
    pattern = re.compile(r"^## Event delivery\n.*?(?=^## |\Z)", re.S | re.M)
    doc = pattern.sub(lambda _m: text, doc) if pattern.search(doc) else doc.rstrip() + "\n\n" + text
    path.write_text(doc)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", help="PostgreSQL server URL (a temporary database is made)")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    where = machine()
    rows = run_one("sqlite", None)
    if args.pg:
        rows += run_one("postgresql", args.pg)
    command = ".venv/bin/python bench/bench_events.py" + (
        " --write --pg postgresql://postgres@127.0.0.1:5432/postgres" if args.pg else ""
    )
    text = section(rows, command, where)
    print(text)
    if args.write:
        write_section(text)


if __name__ == "__main__":
    main()
