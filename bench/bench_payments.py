"""Payment callbacks: from a signed callback to the reminder cancelled, and callbacks per second.

Run:
    .venv/bin/python bench/bench_payments.py
    .venv/bin/python bench/bench_payments.py --pg postgresql://postgres@127.0.0.1:5432/postgres

Each borrower has one loan in arrears and one planned reminder for it. Every callback is a
``checkout.session.completed`` signed exactly as Stripe signs it, posted through the whole app
(Flask test client: the signature check, ``apply_event``, the promise/instalment review, the
reminder cancelled and committed, then the receipt through the sandbox channel under the contact
policy). The latency is the callback's whole request: the reminder's cancellation is committed
inside it, before the receipt, so the time to "reminder cancelled" is at most this. Sequential
callbacks give the latency; then ``--threads`` clients post at once (a provider retrying or many
borrowers paying together) for the throughput. Afterwards every reminder must be cancelled and
every payment stored once. Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select, text

from outreach import clock, create_app
from outreach.migrate import upgrade
from outreach.models import OutboxItem, ProviderPayment
from tests.conftest import make_settings
from tests.support.clock import MovableClock
from tests.support.factories import make_borrower
from tests.support.payment_signing import (
    PAYMENT_ENV,
    body,
    stripe_header,
    stripe_session_event,
)


def fresh_database(kind: str, pg_url: str | None) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp()}/bench_payments.sqlite"
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from outreach.db import normalise_url

    u = make_url(normalise_url(pg_url or ""))
    with create_engine(u, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "bench_payments" WITH (FORCE)'))
        conn.execute(text('CREATE DATABASE "bench_payments"'))
    return u.set(database="bench_payments").render_as_string(hide_password=False)


def seed(app, borrowers: int) -> list[str]:
    """Borrowers with a loan in arrears and a pending reminder each; their loan numbers."""
    numbers = []
    with app.extensions["sessions"]() as session:
        for i in range(borrowers):
            borrower = make_borrower(session, phone=f"+1312{i:07d}")
            loan = borrower.loans[0]
            session.add(
                OutboxItem(
                    idempotency_key=f"bench:{loan.id}",
                    borrower_id=borrower.id,
                    loan_id=loan.id,
                    channel="sms",
                    address=borrower.contact_points[0].address,
                    template="payment_overdue",
                    body="",
                    status="pending",
                    payload={"kind": "cadence", "amount": "420.00", "currency": "USD"},
                )
            )
            numbers.append(loan.loan_number)
        session.commit()
    return numbers


def post(client, loan_number: str, reference: str, now: int) -> float:
    raw = body(stripe_session_event(loan_number, 42000, intent=reference))
    start = time.perf_counter()
    response = client.post(
        "/webhooks/payments/stripe",
        data=raw,
        content_type="application/json",
        headers={"Stripe-Signature": stripe_header(raw, now)},
    )
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200 or response.get_json()["status"] != "applied":
        raise SystemExit(f"callback for {loan_number}: {response.status_code} {response.data!r}")
    return elapsed


def run(kind: str, url: str, borrowers: int, threads: int) -> dict[str, object]:
    upgrade(url)
    held = MovableClock()
    clock.freeze(held)  # one instant for the whole run: Stripe's 300 s tolerance holds
    app = create_app(make_settings(url, **PAYMENT_ENV))
    app.config.update(TESTING=True)
    app.extensions["outreach.limiter"].enabled = False
    numbers = seed(app, borrowers)
    now = int(held.now().timestamp())
    half = borrowers // 2

    client = app.test_client()
    post(client, numbers[0], "pi_warmup", now)  # imports, template and policy caches
    latencies = [post(client, n, f"pi_seq_{i}", now) for i, n in enumerate(numbers[1:half])]

    rest = numbers[half:]
    chunks = [rest[i::threads] for i in range(threads)]

    def worker(part: list[str], t: int) -> None:
        mine = app.test_client()
        for i, number in enumerate(part):
            post(mine, number, f"pi_par_{t}_{i}", now)

    workers = [threading.Thread(target=worker, args=(c, t)) for t, c in enumerate(chunks)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    parallel_s = time.perf_counter() - start

    with app.extensions["sessions"]() as session:
        pending = session.scalar(
            select(func.count()).select_from(OutboxItem).where(OutboxItem.status != "cancelled")
        )
        stored = session.scalar(select(func.count()).select_from(ProviderPayment))
    clock.freeze(None)
    if pending or stored != borrowers:
        raise SystemExit(f"{kind}: {pending} reminders not cancelled, {stored} payments stored")
    latencies.sort()
    return {
        "database": kind,
        "p50": statistics.median(latencies),
        "p95": latencies[int(len(latencies) * 0.95) - 1],
        "sequential_per_s": 1000 * len(latencies) / sum(latencies),
        "parallel_per_s": len(rest) / parallel_s,
        "threads": threads,
        "callbacks": borrowers,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--borrowers", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--pg", help="a PostgreSQL server URL: also run against it")
    args = parser.parse_args()
    logging.disable(logging.INFO)  # one log line per callback would be measured too
    print(f"load average at start: {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")
    results = [run("sqlite", fresh_database("sqlite", None), args.borrowers, args.threads)]
    if args.pg:
        pg = fresh_database("postgresql", args.pg)
        results.append(run("postgresql", pg, args.borrowers, args.threads))
    print(
        "| database | callbacks | callback -> reminder cancelled + receipt, p50 / p95 ms "
        "| callbacks/s, one at a time | callbacks/s, "
        f"{args.threads} at once | reminders left / payments stored |"
    )
    print("|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['database']} | {r['callbacks']:,} | {r['p50']:.1f} / {r['p95']:.1f} "
            f"| {r['sequential_per_s']:.0f} | {r['parallel_per_s']:.0f} "
            f"| 0 / {r['callbacks']:,} |"
        )


if __name__ == "__main__":
    main()
