"""Benchmark the auditor's export and search over 1,000,000 messages, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_audit.py                      # SQLite only
    BENCH_PG_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/bench_audit.py
    ... --rows 100000                                          # a quicker run

Rows are generated set-based (one INSERT ... SELECT over a recursive CTE / generate_series), never
through the ORM: 2,000 borrowers, messages spread over a year, a quarter inbound, ~10 % blocked
with reasons. Each measurement runs in a fresh child process so its peak RSS is its own: a CSV and
a JSON export of every message (streamed to a byte counter), a CSV export of 10,000 messages (to
show memory does not grow with the export), and the first page of filtered searches (median of 5).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BORROWERS = 2_000
SEARCHES = {
    "channel=sms, blocked, one month": {
        "channel": "sms",
        "decision": "blocked",
        "date_from": "2026-03-01",
        "date_to": "2026-03-31",
    },
    "one phone number": {"address": "+13125501234"},
    "borrower by name prefix": {"borrower": "Borrower 1234"},
    "reason=contact_window, direction=out": {"reason": "contact_window", "direction": "out"},
    "template, one week": {
        "template": "payment_reminder",
        "date_from": "2026-06-01",
        "date_to": "2026-06-07",
    },
}

SQLITE_FILL = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows)
INSERT INTO messages (borrower_id, direction, channel, address, sender, initiated_by, template,
                      body, status, decision, created_at)
SELECT 1 + i % :borrowers,
       CASE WHEN i % 4 = 0 THEN 'in' ELSE 'out' END,
       CASE i % 3 WHEN 0 THEN 'sms' WHEN 1 THEN 'whatsapp' ELSE 'email' END,
       '+1312550' || printf('%04d', i % :borrowers),
       CASE WHEN i % 4 = 0 THEN 'borrower' ELSE 'scheduler' END,
       CASE WHEN i % 4 = 0 THEN NULL ELSE 'lender' END,
       CASE WHEN i % 4 = 0 THEN NULL ELSE 'payment_reminder' END,
       'Hi, a payment of $120.00 on your account is due on 12 March. Reply HELP for help. #' || i,
       CASE WHEN i % 10 = 3 THEN 'blocked' WHEN i % 4 = 0 THEN 'received' ELSE 'delivered' END,
       CASE WHEN i % 10 = 3
            THEN '{"allowed": false, "reasons": ["contact_window"], "rules_version": "US@b1"}'
            ELSE '{"allowed": true, "reasons": [], "rules_version": "US@b1"}' END,
       strftime('%Y-%m-%d %H:%M:%f', '2026-01-01', '+' || (i * 31) || ' seconds')
FROM n
"""

PG_FILL = """
INSERT INTO messages (borrower_id, direction, channel, address, sender, initiated_by, template,
                      body, status, decision, created_at)
SELECT 1 + i % :borrowers,
       CASE WHEN i % 4 = 0 THEN 'in' ELSE 'out' END,
       CASE i % 3 WHEN 0 THEN 'sms' WHEN 1 THEN 'whatsapp' ELSE 'email' END,
       '+1312550' || lpad((i % :borrowers)::text, 4, '0'),
       CASE WHEN i % 4 = 0 THEN 'borrower' ELSE 'scheduler' END,
       CASE WHEN i % 4 = 0 THEN NULL ELSE 'lender' END,
       CASE WHEN i % 4 = 0 THEN NULL ELSE 'payment_reminder' END,
       'Hi, a payment of $120.00 on your account is due on 12 March. Reply HELP for help. #' || i,
       CASE WHEN i % 10 = 3 THEN 'blocked' WHEN i % 4 = 0 THEN 'received' ELSE 'delivered' END,
       (CASE WHEN i % 10 = 3
            THEN '{"allowed": false, "reasons": ["contact_window"], "rules_version": "US@b1"}'
            ELSE '{"allowed": true, "reasons": [], "rules_version": "US@b1"}' END)::json,
       timestamp '2026-01-01' + make_interval(secs => i * 31)
FROM generate_series(1, :rows) AS i
"""

BORROWER_FILL = {
    "sqlite": """
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < :borrowers - 1)
INSERT INTO borrowers (id, external_id, full_name, locale, country, region, created_at, updated_at)
SELECT i + 1, 'EXT' || i, 'Borrower ' || i, 'en', 'US', 'IL', '2025-01-01 00:00:00.000000',
       '2025-01-01 00:00:00.000000' FROM n""",
    "postgresql": """
INSERT INTO borrowers (id, external_id, full_name, locale, country, region, created_at, updated_at)
SELECT i + 1, 'EXT' || i, 'Borrower ' || i, 'en', 'US', 'IL', timestamp '2025-01-01',
       timestamp '2025-01-01' FROM generate_series(0, :borrowers - 1) AS i""",
}


def fill(url: str, rows: int) -> float:
    from sqlalchemy import text

    from outreach.db import engine_for
    from outreach.migrate import upgrade

    upgrade(url)
    engine = engine_for(url)
    started = time.perf_counter()
    with engine.begin() as conn:
        params = {"rows": rows, "borrowers": BORROWERS}
        conn.execute(text(BORROWER_FILL[engine.dialect.name]), params)
        conn.execute(text(PG_FILL if engine.dialect.name == "postgresql" else SQLITE_FILL), params)
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT setval('borrowers_id_seq', :n)"), {"n": BORROWERS})
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
    return time.perf_counter() - started


def child(kind: str, url: str, arg: str) -> None:
    """One measurement in this fresh process; prints JSON with seconds and peak RSS."""
    from outreach.audit.export import messages_csv, messages_json
    from outreach.audit.search import PAGE_SIZE, parse_filter, query
    from outreach.db import session_factory

    session = session_factory(url)()
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out: dict = {}
    if kind in ("csv", "json"):
        flt = parse_filter(json.loads(arg))
        started = time.perf_counter()
        size = 0
        for chunk in (messages_csv if kind == "csv" else messages_json)(session, flt):
            size += len(chunk.encode())
        out = {"seconds": time.perf_counter() - started, "mb": size / 1e6}
    elif kind == "limit":  # CSV export of the newest N rows (same code path, fewer rows)
        from outreach.audit.export import message_record

        started = time.perf_counter()
        n = sum(
            1
            for row in session.execute(query(parse_filter({}), limit=int(arg)))
            if message_record(row)
        )
        out = {"seconds": time.perf_counter() - started, "rows": n}
    else:
        flt = parse_filter(json.loads(arg))
        times = []
        for _ in range(5):
            started = time.perf_counter()
            rows = session.execute(query(flt, limit=PAGE_SIZE + 1)).all()
            times.append(time.perf_counter() - started)
        out = {"seconds": statistics.median(times), "rows": len(rows)}
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["base_rss_mb"] = base_rss
    print(json.dumps(out))


def measure(kind: str, url: str, arg: str = "{}") -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", kind, url, arg],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def bench(label: str, url: str, rows: int) -> list[str]:
    lines = [f"### {label}", ""]
    seconds = fill(url, rows)
    lines.append(
        f"- generate {rows:,} messages (set-based INSERT ... SELECT, indexes on): {seconds:.1f} s"
    )
    for kind in ("csv", "json"):
        m = measure(kind, url)
        lines.append(
            f"- export all {rows:,} as {kind.upper()} ({m['mb']:.0f} MB): "
            f"{m['seconds']:.1f} s ({rows / m['seconds']:,.0f} rows/s), peak RSS "
            f"{m['peak_rss_mb']:.0f} MB (process after imports: {m['base_rss_mb']:.0f} MB)"
        )
    small = measure("csv", url, json.dumps({"date_to": "2026-01-04"}))  # ~8,000 rows
    lines.append(
        f"- for comparison, exporting the first ~8,000 rows as CSV: peak RSS "
        f"{small['peak_rss_mb']:.0f} MB (memory does not grow with the export)"
    )
    lines.append("- filtered search, first page of 50 (median of 5, warm):")
    for name, flt in SEARCHES.items():
        m = measure("search", url, json.dumps(flt))
        lines.append(f"  - {name}: {m['seconds'] * 1000:.1f} ms ({m['rows']} rows)")
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    sections = []
    with tempfile.TemporaryDirectory() as tmp:
        sections += bench("SQLite", f"sqlite:///{tmp}/bench.sqlite", args.rows)
    pg = os.environ.get("BENCH_PG_URL")
    if pg:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        from outreach.db import engine_for, normalise_url

        base = make_url(normalise_url(pg))
        name = f"outreach_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = base.set(database=name).render_as_string(hide_password=False)
        try:
            sections += bench("PostgreSQL", url, args.rows)
        finally:
            engine_for(url).dispose()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    cpu = (
        subprocess.run("lscpu | grep 'Model name'", shell=True, capture_output=True, text=True)
        .stdout.split(":")[-1]
        .strip()
    )
    print(f"Machine: {os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}\n")
    print("\n".join(sections))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
    else:
        main()
