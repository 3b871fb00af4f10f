"""Benchmark the outreach pipeline: the planning pass and the dispatcher.

    .venv/bin/python bench/bench_outreach.py                      # SQLite, print the figures
    .venv/bin/python bench/bench_outreach.py --pg postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/bench_outreach.py --write [--pg URL]   # update "## Outreach pipeline"
                                                                  # in docs/benchmarks.md

Planning: 100,000 loans (seeded): 35% in arrears (1-90 days past due), the rest current with due
dates over the next 30 days; 2% with a blocking flag, 1% with an open promise, 1% with a current
plan. The set-based pass (``outreach.campaigns.planner.plan``) is measured side by side with a naive
per-loan ORM loop (load each loan, its borrower, flags, cases, plans and promises, check the key,
add a row), on a fresh copy of the same book. Dispatch: 3,000 due rows sent with the real
``twilio`` client to a local provider stub answering after 100 ms, two dispatcher processes of
32 worker threads each; once with the per-sender rate limits as shipped (shared by both
processes), once with them lifted (capacity). Each phase runs in its own process, so its peak
RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

LOANS = 100_000
DISPATCH_ROWS = 3_000
PROCESSES = 2  # one dispatcher process per core
WORKERS = int(os.environ.get("BENCH_WORKERS", "32"))  # DISPATCH_WORKERS' default
CAPACITY_RATE = 10_000.0  # messages/s per sender: no limit in practice
NOW = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # 10:00 in Chicago: inside the window


def make_db(kind: str, pg: str | None) -> str:
    if kind == "sqlite":
        path = Path("/tmp") / f"bench-outreach-{uuid.uuid4().hex[:8]}.sqlite"
        return f"sqlite:///{path}"
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from outreach.db import normalise_url

    base = make_url(normalise_url(pg))
    name = f"bench_outreach_{uuid.uuid4().hex[:8]}"
    with create_engine(base, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return base.set(database=name).render_as_string(hide_password=False)


def drop_db(url: str) -> None:
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


def seed(url: str, loans: int) -> None:
    """The book, written with bulk Core inserts."""
    from sqlalchemy import insert

    from outreach.db import engine_for
    from outreach.migrate import upgrade
    from outreach.models import (
        Borrower,
        BorrowerFlag,
        ContactPoint,
        Loan,
        PaymentPlan,
        PlanInstalment,
        PromiseToPay,
    )

    upgrade(url)
    rnd = random.Random(4)
    today = NOW.date()
    consent = datetime(2026, 1, 1, tzinfo=UTC)
    b_rows, c_rows, l_rows, flags, promises, plans = [], [], [], [], [], []
    for i in range(1, loans + 1):
        b_rows.append(
            {
                "id": i,
                "external_id": f"B{i}",
                "full_name": "Bench Borrower",
                "locale": rnd.choice(("en_US", "es_US")),
                "country": "US",
                "region": "IL",
                "postal_code": "60601",
                "created_at": consent,
                "updated_at": consent,
            }
        )
        c_rows.append(
            {
                "borrower_id": i,
                "channel": "sms",
                "address": f"+1312{i:07d}",
                "consent_source": "bench",
                "consent_at": consent,
            }
        )
        late = rnd.random() < 0.35
        dpd = rnd.randint(1, 90) if late else 0
        l_rows.append(
            {
                "id": i,
                "borrower_id": i,
                "loan_number": f"L{i}",
                "product": "personal",
                "currency": "USD",
                "principal": Decimal("5000"),
                "outstanding": Decimal(rnd.randint(50, 5000)),
                "past_due_amount": Decimal("120.00") if late else Decimal("0"),
                "days_past_due": dpd,
                "next_due_amount": Decimal("120.00"),
                "next_due_date": today + timedelta(days=rnd.randint(0, 30)),
                "status": "delinquent" if late else "current",
                "created_at": consent,
                "updated_at": consent,
            }
        )
        r = rnd.random()
        if r < 0.02:
            flags.append({"borrower_id": i, "flag": "dispute_open", "set_at": consent})
        elif r < 0.03:
            promises.append(
                {
                    "loan_id": i,
                    "borrower_id": i,
                    "amount": Decimal("100"),
                    "promised_date": today + timedelta(days=rnd.randint(1, 10)),
                    "status": "open",
                    "created_by": "bot",
                    "created_at": consent,
                }
            )
        elif r < 0.04:
            plans.append(i)
    engine = engine_for(url)
    with engine.begin() as conn:
        for table, rows in (
            (Borrower, b_rows),
            (ContactPoint, c_rows),
            (Loan, l_rows),
            (BorrowerFlag, flags),
            (PromiseToPay, promises),
        ):
            for start in range(0, len(rows), 10_000):
                conn.execute(insert(table), rows[start : start + 10_000])
        for n, loan_id in enumerate(plans, start=1):
            conn.execute(
                insert(PaymentPlan),
                [
                    {
                        "id": n,
                        "loan_id": loan_id,
                        "borrower_id": loan_id,
                        "status": "current",
                        "instalment_amount": Decimal("50"),
                        "instalment_count": 3,
                        "frequency": "weekly",
                        "start_date": today,
                        "first_amount": Decimal("50"),
                        "total": Decimal("150"),
                        "created_by": "bot",
                        "created_at": consent,
                    }
                ],
            )
            conn.execute(
                insert(PlanInstalment),
                [
                    {
                        "plan_id": n,
                        "seq": s,
                        "due_date": today + timedelta(days=7 * s - 6),
                        "amount": Decimal("50"),
                        "paid_amount": Decimal("0"),
                        "status": "due",
                    }
                    for s in (1, 2, 3)
                ],
            )
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")


def naive_plan(session, now: datetime) -> int:
    """The baseline: what a per-loan ORM loop does (one object graph and several queries each)."""
    from sqlalchemy import select

    from outreach.campaigns.config import load_config
    from outreach.campaigns.planner import pick_segment, pick_step
    from outreach.models import HandoffCase, Loan, OutboxItem, PaymentPlan, PromiseToPay

    config = load_config()
    today = now.date()
    queued = 0
    for loan in session.scalars(select(Loan).where(Loan.status.in_(("current", "delinquent")))):
        borrower = loan.borrower
        if borrower.active_flags():
            continue
        if session.scalar(
            select(HandoffCase.id).where(
                HandoffCase.borrower_id == borrower.id, HandoffCase.status != "closed"
            )
        ):
            continue
        if session.scalar(
            select(PaymentPlan.id).where(
                PaymentPlan.loan_id == loan.id, PaymentPlan.status.in_(("accepted", "current"))
            )
        ):
            continue
        if session.scalar(
            select(PromiseToPay.id).where(
                PromiseToPay.loan_id == loan.id, PromiseToPay.status == "open"
            )
        ):
            continue
        dpd = loan.days_past_due
        anchor = today - timedelta(days=dpd) if dpd > 0 else loan.next_due_date
        seg = pick_segment(config, loan.product, dpd, loan.outstanding)
        step = pick_step(config.cadences[seg.cadence], (today - anchor).days, dpd)
        if step is None:
            continue
        key = f"n:{loan.id}:{step.name}:{anchor.isoformat()}"
        if session.scalar(select(OutboxItem.id).where(OutboxItem.idempotency_key == key)):
            continue
        session.add(
            OutboxItem(
                idempotency_key=key,
                borrower_id=borrower.id,
                loan_id=loan.id,
                channel=step.channels[0],
                address="",
                template=step.template,
                body="",
                not_before=now,
                payload={"channels": list(step.channels)},
            )
        )
        queued += 1
    session.commit()
    return queued


def peak_mb() -> float:
    """This process's peak RSS (VmHWM). Not ``ru_maxrss``: on Linux that keeps the high-water
    mark of the forked parent (the bench, holding the seeded book) across exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase(name: str, url: str, stub: str | None) -> dict:
    """Run one measured phase in this process (spawned by ``run``)."""
    from outreach.campaigns.planner import plan
    from outreach.db import session_factory

    session = session_factory(url)()
    if name in ("plan", "replan"):
        start = time.perf_counter()
        report = plan(session, NOW)
        return {
            "seconds": time.perf_counter() - start,
            "queued": report.queued,
            "considered": report.considered,
            "peak_mb": peak_mb(),
        }
    if name == "naive":
        start = time.perf_counter()
        queued = naive_plan(session, NOW)
        return {"seconds": time.perf_counter() - start, "queued": queued, "peak_mb": peak_mb()}
    if name == "dispatch":
        from outreach.outbox.dispatcher import dispatch
        from outreach.settings import Settings

        settings = Settings.from_env(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": "bench" * 8,
                "TWILIO_ACCOUNT_SID": "AC" + "4" * 32,
                "TWILIO_AUTH_TOKEN": "bench",
                "TWILIO_API_BASE_URL": stub,
                "PUBLIC_BASE_URL": "https://bench.example",
            }
        )
        start, started_at = time.perf_counter(), time.time()
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        total: dict[str, int] = {}
        while True:
            report = dispatch(session, settings, NOW, workers=WORKERS)
            for key, value in vars(report).items():
                total[key] = total.get(key, 0) + value
            if report.claimed == 0:
                break
        seconds = time.perf_counter() - start
        used = resource.getrusage(resource.RUSAGE_SELF)
        return {
            "seconds": seconds,
            "started_at": started_at,
            "ended_at": time.time(),
            "cpu_seconds": used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime,
            "per_second": total["sent"] / seconds,
            "peak_mb": peak_mb(),
            **total,
        }
    raise SystemExit(f"unknown phase {name}")


def spawn(name: str, url: str, stub: str | None = None) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", name, "--url", url, "--stub", stub or ""],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def spawn_many(n: int, name: str, url: str, stub: str) -> dict:
    """``n`` dispatcher processes at once (claims are atomic, so they share the queue)."""
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--phase", name, "--url", url, "--stub", stub],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(n)
    ]
    outs = [p.communicate() for p in procs]
    seconds = time.perf_counter() - start
    parts = []
    for proc, (out, err) in zip(procs, outs, strict=True):
        if proc.returncode != 0:
            raise SystemExit(err[-3000:])
        parts.append(json.loads(out.strip().splitlines()[-1]))
    sent = sum(p["sent"] for p in parts)
    # Throughput over the dispatch itself: from the first process's first claim to the last
    # reply recorded (interpreter start-up and imports, ~1 s a process, are not dispatching).
    window = max(p["ended_at"] for p in parts) - min(p["started_at"] for p in parts)
    return {
        "seconds": window,
        "wall_seconds": seconds,
        "sent": sent,
        "per_second": sent / window,
        "cpu_ms_per_message": 1000 * sum(p["cpu_seconds"] for p in parts) / max(sent, 1),
        "processes": n,
        "peak_mb": max(p["peak_mb"] for p in parts),
        "claimed": sum(p["claimed"] for p in parts),
    }


def keep_dispatch_rows(url: str, rows: int, held: int = 0) -> None:
    """Leave ``rows`` due outbox rows (one per borrower) for the first dispatch run and ``held``
    more, not yet due, for the second (``release_held``)."""
    from sqlalchemy import delete, select, update

    from outreach.db import session_factory
    from outreach.models import OutboxItem

    with session_factory(url)() as session:
        ids = list(
            session.scalars(select(OutboxItem.id).order_by(OutboxItem.id).limit(rows + held))
        )
        session.execute(delete(OutboxItem).where(OutboxItem.id.not_in(ids)))
        session.execute(
            update(OutboxItem)
            .where(OutboxItem.id.in_(ids[rows:]))
            .values(not_before=NOW + timedelta(days=365))
        )
        session.commit()


def release_held(url: str) -> None:
    from sqlalchemy import update

    from outreach.db import session_factory
    from outreach.models import OutboxItem

    with session_factory(url)() as session:
        session.execute(
            update(OutboxItem)
            .where(OutboxItem.status == "pending", OutboxItem.not_before > NOW)
            .values(not_before=NOW)
        )
        session.commit()


def campaigns_config(rate: float | None) -> Path | None:
    """config/campaigns.yaml with every per-sender rate limit set to ``rate`` (None: as shipped)."""
    if rate is None:
        return None
    import yaml

    config = yaml.safe_load((REPO / "config" / "campaigns.yaml").read_text())
    config["rate_limits"] = {channel: rate for channel in config.get("rate_limits", {})}
    path = Path("/tmp") / f"bench-campaigns-{uuid.uuid4().hex[:8]}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def dispatch_run(url: str, rate: float | None) -> dict:
    """The due rows sent by ``PROCESSES`` dispatchers to a fresh provider stub."""
    from outreach.campaigns.config import load_config
    from tests.support.provider_stub import serve_in_thread
    from tests.support.servers import free_port

    config = campaigns_config(rate)
    if config is not None:
        os.environ["CAMPAIGNS_CONFIG"] = str(config)  # inherited by the dispatcher processes
    port = free_port()
    stub = serve_in_thread(port, 0.1)
    try:
        result = spawn_many(PROCESSES, "dispatch", url, f"http://127.0.0.1:{port}")
        counts = stub.counts()
        result["provider_received"] = sum(counts.values())
        result["duplicates"] = sum(1 for n in counts.values() if n > 1)
        result["busiest_second"] = stub.busiest_window(1.0)
        result["busiest_10s_per_second"] = stub.busiest_window(10.0) / 10
        result["rate_limit"] = load_config(config).rate_limits.get("sms")
    finally:
        stub.stop()
        os.environ.pop("CAMPAIGNS_CONFIG", None)
        if config is not None:
            config.unlink()
    return result


def run(kind: str, pg: str | None, loans: int, naive: bool = True) -> dict:
    results: dict = {"database": kind}
    url = make_db(kind, pg)
    naive_url = make_db(kind, pg)
    try:
        seed(url, loans)
        seed(naive_url, loans)
        results["plan"] = spawn("plan", url)
        results["replan"] = spawn("replan", url)
        results["naive"] = (
            spawn("naive", naive_url)
            if naive
            else {"seconds": float("nan"), "peak_mb": float("nan")}
        )
        keep_dispatch_rows(url, DISPATCH_ROWS, held=DISPATCH_ROWS)
        # As shipped (SMS 250/s per sender, shared by both processes), then with the limit
        # lifted far above what the machine can do, to show the dispatcher's own capacity.
        results["dispatch"] = dispatch_run(url, None)
        release_held(url)
        results["capacity"] = dispatch_run(url, CAPACITY_RATE)
    finally:
        from outreach.db import engine_for

        engine_for.cache_clear()
        drop_db(url)
        drop_db(naive_url)
    return results


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}"


def section(all_results: list[dict], loans: int) -> str:
    lines = [
        "## Outreach pipeline",
        "",
        "Command: `.venv/bin/python bench/bench_outreach.py --write --pg "
        "postgresql://postgres@127.0.0.1:5432/postgres`",
        "",
        f"Machine: {machine()} (`nproc`, `lscpu | grep 'Model name'`). Measured "
        f"{date.today().isoformat()}.",
        "",
        "### Planning",
        "",
        f"Planning pass over {loans:,} loans (35% in arrears, 2% flagged, 1% promise, 1% plan); "
        "the naive baseline is a per-loan ORM loop on an identical copy of the book. "
        "Re-plan is the same pass again (nothing new to queue: the idempotency keys hold). "
        "Peak memory is the process's maximum RSS (each phase in its own process).",
        "",
        "| database | plan (s) | rows queued | re-plan (s) | naive loop (s) | speed-up | "
        "plan peak MB | naive peak MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in all_results:
        p, n = r["plan"], r["naive"]
        lines.append(
            f"| {r['database']} | {p['seconds']:.2f} | {p['queued']:,} | "
            f"{r['replan']['seconds']:.2f} | {n['seconds']:.2f} | "
            f"{n['seconds'] / p['seconds']:.1f}x | {p['peak_mb']:.0f} | {n['peak_mb']:.0f} |"
        )
    lines += [
        "",
        "### Dispatch",
        "",
        f"{DISPATCH_ROWS:,} due rows per run, real `twilio` client, provider stub answering after "
        f"100 ms, {PROCESSES} dispatcher processes (one per core) of {WORKERS} worker threads "
        "sharing one queue. First run: the SMS rate limit as shipped in config/campaigns.yaml "
        "(per sender, shared by both processes through `send_rate_slots`); second run: the limit "
        "lifted, to show the dispatcher's own capacity. msg/s counts from the first claim to the "
        "last reply recorded (interpreter start-up, ~1 s a process, excluded); the busiest "
        "second is counted at the stub; CPU is both dispatcher processes' user+system time.",
        "",
        "| database | SMS limit (msg/s) | dispatch msg/s | busiest 1 s / 10 s (per s) at the "
        "provider | sent / received / duplicates | CPU ms per message | dispatch peak MB |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in all_results:
        for d in (r["dispatch"], r["capacity"]):
            lines.append(
                f"| {r['database']} | {d['rate_limit']:,.0f} | {d['per_second']:.0f} | "
                f"{d['busiest_second']} / {d['busiest_10s_per_second']:.0f} | {d['sent']:,} / {d['provider_received']:,} / "
                f"{d['duplicates']} | {d['cpu_ms_per_message']:.1f} | {d['peak_mb']:.0f} |"
            )
    lines += [
        "",
        "Targets: planning under 10 s for 100,000 loans; dispatch at least 200 "
        "messages/s against a 100 ms provider.",
        "",
        "How to read the dispatch rows: the first run of each database is held by the shipped "
        "limit (a message leaves inside its own slot, at most 50 ms late, so at most "
        "limit x 1.05 + 1 messages leave a dispatcher in any second; the stub's count adds its "
        "own arrival jitter, as it shares the two cores). The second run shows the capacity of "
        "this machine, where CPU is the limit: the dispatchers (the CPU column: policy, "
        "rendering, batched inserts, the `twilio` client), the provider stub and the database "
        "share two cores. The 100 ms provider latency itself is hidden by the worker threads. "
        "Before the batch dispatcher (one row at a time per thread, three history queries, "
        "two commits and an audit append each: ~12 ms CPU per message) the same runs gave "
        "39 msg/s on SQLite and 64 msg/s on PostgreSQL.",
        "",
        "",
    ]
    return "\n".join(lines)


def write_section(text: str) -> None:
    path = REPO / "docs" / "benchmarks.md"
    doc = path.read_text() if path.exists() else "# Benchmarks\n\n"
    pattern = re.compile(r"^## Outreach pipeline\n.*?(?=^## |\Z)", re.S | re.M)
    doc = pattern.sub(lambda _m: text, doc) if pattern.search(doc) else doc.rstrip() + "\n\n" + text
    path.write_text(doc)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--phase")
    parser.add_argument("--url")
    parser.add_argument("--stub")
    parser.add_argument("--pg-only", action="store_true")
    parser.add_argument("--pg", help="PostgreSQL server URL (a temporary database is made)")
    parser.add_argument("--loans", type=int, default=LOANS)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--skip-naive", action="store_true", help="quick runs while tuning")
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.url, args.stub or None)))
        return
    kinds = [] if args.pg_only else ["sqlite"]
    results = [run(kind, None, args.loans, not args.skip_naive) for kind in kinds]
    if args.pg:
        results.append(run("postgresql", args.pg, args.loans, not args.skip_naive))
    text = section(results, args.loans)
    print(text)
    print(json.dumps(results, indent=1), file=sys.stderr)
    if args.write:
        write_section(text)


if __name__ == "__main__":
    main()
