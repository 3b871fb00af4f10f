"""Benchmark ``flask --app wsgi import-loans`` on a generated 100,000-row loan book.

    .venv/bin/python bench/bench_import.py                          # SQLite, print the figures
    .venv/bin/python bench/bench_import.py --pg postgresql://postgres@127.0.0.1:5432/postgres
    ... --src /tmp/outreach-before --save before.json   # measure another source tree (e.g. the
                                                        # commit before the set-based import)
    ... --before before.json --write    # add those figures as "before" and update the
                                        # "## Loan-book import" section of docs/benchmarks.md

The book: ``--rows`` loans (default 100,000) for 80% as many borrowers (one in four has two
loans, the second 1,000 rows further down the file), US/IN/PH/GB/KE places, every borrower with an
SMS number, half with WhatsApp, most with email. Every row is valid. Each phase runs the real CLI
in its own process on a fresh, migrated database: the first import (everything created), then the
same file again (everything unchanged), then the file with one balance in ten changed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from outreach.loan_import.upsert import COLUMNS  # noqa: E402  (after the sys.path line)

ROWS = 100_000
# (country, region, postal code, phone prefix, digits in the E.164 number, currency, locale)
PLACES = [
    ("US", "IL", "60601", "+1312", 11, "USD", "en_US"),
    ("US", "TX", "78701", "+1512", 11, "USD", "es_US"),
    ("US", "NY", "10001", "+1212", 11, "USD", "en_US"),
    ("IN", "MH", "400001", "+9198", 12, "INR", "en_IN"),
    ("PH", "00", "1000", "+63917", 12, "PHP", "en_PH"),
    ("GB", "ENG", "SW1A 1AA", "+447911", 12, "GBP", "en_GB"),
    ("KE", "30", "00100", "+254712", 12, "KES", "en_KE"),
]


def _phone(rng: random.Random, prefix: str, digits: int) -> str:
    import phonenumbers

    while True:
        number = prefix + "".join(rng.choice("23456789") for _ in range(digits + 1 - len(prefix)))
        parsed = phonenumbers.parse(number)
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def write_book(path: Path, rows: int, change_every: int = 0) -> None:
    """The loan book; with ``change_every`` N, every Nth loan's outstanding balance differs."""
    rng = random.Random(20261201)
    borrowers = int(rows * 0.8)
    people = []
    for b in range(borrowers):
        country, region, postal, prefix, digits, currency, locale = PLACES[b % len(PLACES)]
        phone = _phone(rng, prefix, digits)
        people.append(
            {
                "external_id": f"C-{b:07d}",
                "full_name": f"Borrower {b} {rng.choice(['Garcia', 'Patel', 'Santos', 'Otieno'])}",
                "locale": locale,
                "country": country,
                "region": region,
                "postal_code": postal,
                "timezone": "",
                "date_of_birth": date(1950 + b % 50, 1 + b % 12, 1 + b % 28).isoformat(),
                "phone": phone,
                "whatsapp": phone if b % 2 else "",
                "email": f"borrower{b}@example.com" if b % 10 else "",
                "consent_source": "loan_agreement",
                "consent_at": "2026-01-15T10:00:00Z",
                "currency": currency,
            }
        )
    # One borrower in four has a second loan, 1,000 rows after the first (another chunk).
    keyed = [(i, p) for i, p in enumerate(people)]
    keyed += [(i + 1000.5, p) for i, p in enumerate(people) if i % 4 == 0]
    order = [p for _, p in sorted(keyed, key=lambda kp: kp[0])]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for n, person in enumerate(order[:rows]):
            principal = 1000 + (n * 37) % 50000
            outstanding = principal * 0.6 + (1 if change_every and n % change_every == 0 else 0)
            dpd = (n * 7) % 90 if n % 3 == 0 else 0
            writer.writerow(
                {
                    **{k: v for k, v in person.items() if k != "currency"},
                    "loan_number": f"LN-{n:08d}",
                    "product": "personal",
                    "currency": person["currency"],
                    "principal": f"{principal:.2f}",
                    "outstanding": f"{outstanding:.2f}",
                    "past_due_amount": f"{outstanding * 0.1:.2f}" if dpd else "0.00",
                    "days_past_due": str(dpd),
                    "next_due_date": date(2026, 12, 1 + n % 28).isoformat(),
                    "next_due_amount": "120.00",
                    "status": "delinquent" if dpd else "current",
                }
            )


def make_db(kind: str, pg: str | None) -> str:
    if kind == "sqlite":
        return f"sqlite:///{Path(tempfile.gettempdir()) / f'bench-import-{uuid.uuid4().hex[:8]}.sqlite'}"
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from outreach.db import normalise_url

    base = make_url(normalise_url(pg))
    name = f"bench_import_{uuid.uuid4().hex[:8]}"
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


def flask(src: Path, url: str, *args: str) -> dict:
    """Run ``flask --app wsgi ARGS`` from ``src``: wall time, the child's CPU time (user +
    system: fairer than wall time on a shared VM) and the last line it printed."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-import-" + "k" * 32,
        "RASA_TOKEN": "bench-import-rasa-token-0123",
    }
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=src,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if proc.returncode != 0:
        raise SystemExit(
            f"flask {' '.join(args)} failed ({proc.returncode}):\n{out}\n{err[-2000:]}"
        )
    summary = out.strip().splitlines()[-1] if out.strip() else ""
    return {"seconds": seconds, "cpu_seconds": cpu, "summary": summary}


def run(
    kind: str, pg: str | None, rows: int, src: Path, book: Path, changed: Path, phases: list[str]
) -> dict:
    url = make_db(kind, pg)
    try:
        flask(src, url, "init-db")
        result: dict = {"database": kind, "rows": rows}
        files = {"import": book, "reimport": book, "changed": changed}
        for phase in phases:
            path = files[phase]
            measured = flask(src, url, "import-loans", str(path))
            result[phase] = measured
            print(
                f"{kind} {phase}: {measured['seconds']:.1f} s wall, "
                f"{measured['cpu_seconds']:.1f} s CPU  {measured['summary']}",
                file=sys.stderr,
                flush=True,
            )
        return result
    finally:
        from outreach.db import engine_for

        engine_for.cache_clear()
        drop_db(url)


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, load average {load:.2f}"


def _cell(result: dict | None, phase: str) -> str:
    if result is None or phase not in result:
        return "not measured"
    return f"{result[phase]['seconds']:.1f} / {result[phase]['cpu_seconds']:.1f}"


def section(after: list[dict], before: list[dict], rows: int) -> str:
    old = {r["database"]: r for r in before}
    lines = [
        "## Loan-book import",
        "",
        "Command: `.venv/bin/python bench/bench_import.py --pg "
        "postgresql://postgres@127.0.0.1:5432/postgres` (`--src DIR --save F` measures another "
        "source tree, e.g. `git archive 001b79d` unpacked; `--before F --write` adds it here).",
        "",
        f"Machine: 2-core VM, {machine()} when this section was written; other engineers' test "
        f"suites share it, so CPU seconds are the fairer figure. Measured {date.today()}.",
        "",
        f"Workload: `flask --app wsgi import-loans` on a generated book of {rows:,} loans for "
        f"{int(rows * 0.8):,} borrowers (one in four with a second loan 1,000 rows further on), "
        "each with an SMS number, half with WhatsApp, most with email: the first import into a "
        "fresh database (everything created), the same file again (everything unchanged), then "
        "the file with one balance in ten changed. Each cell: wall seconds / CPU seconds of the "
        "whole command in its own process (start-up and the encoding and row-count pre-pass "
        "included).",
        "",
        "| database | code | first import | rows/s (wall) | re-import, unchanged | 10% changed |",
        "|---|---|---|---|---|---|",
    ]
    for r in after:
        for label, res in (("before: row by row", old.get(r["database"])), ("after: set-based", r)):
            if res is None:
                continue
            lines.append(
                f"| {r['database']} | {label} | {_cell(res, 'import')} | "
                f"{res['rows'] / res['import']['seconds']:,.0f} | {_cell(res, 'reimport')} | "
                f"{_cell(res, 'changed')} |"
            )
    lines.append("")
    for r in after:
        if r["database"] in old:
            was = old[r["database"]]["import"]
            wall = was["seconds"] / r["import"]["seconds"]
            cpu = was["cpu_seconds"] / r["import"]["cpu_seconds"]
            lines.append(
                f"- {r['database']}: the first import is **{wall:.1f}x** faster in wall time, "
                f"{cpu:.1f}x in CPU time."
            )
    lines += [
        "",
        "Target: at least 10x faster than the row-by-row import (security review finding 12: "
        "100,000 rows took 8 minutes). The set-based import reads a chunk's borrowers, loans and "
        "contact points in three queries, applies the rows in memory and writes bulk inserts and "
        "bulk updates by primary key, one commit per 2,000 rows; the row-by-row one ran three to "
        "five queries, a savepoint and an ORM flush per row, a commit per 500. What remains (a "
        "profile of 20,000 rows) is about half per-row validation (phone numbers with "
        "`phonenumbers` the largest part) and half SQLAlchemy's bulk statements, plus about "
        "1.5 s of interpreter start-up.",
        "",
        "",
    ]
    return "\n".join(lines)


def write_section(text: str) -> None:
    path = REPO / "docs" / "benchmarks.md"
    doc = path.read_text()
    pattern = re.compile(r"^## Loan-book import\n.*?(?=^## |\Z)", re.S | re.M)
    doc = pattern.sub(lambda _m: text, doc) if pattern.search(doc) else doc.rstrip() + "\n\n" + text
    path.write_text(doc)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--pg", help="PostgreSQL server URL (a temporary database is made)")
    parser.add_argument("--pg-only", action="store_true")
    parser.add_argument("--src", type=Path, default=REPO, help="source tree whose CLI to run")
    parser.add_argument(
        "--phases", default="import,reimport,changed", help="a slow baseline may skip some"
    )
    parser.add_argument("--save", type=Path, help="write the results as JSON")
    parser.add_argument("--before", type=Path, help="JSON of an earlier run to compare with")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        book, changed = Path(tmp) / "book.csv", Path(tmp) / "changed.csv"
        write_book(book, args.rows)
        write_book(changed, args.rows, change_every=10)
        kinds = [] if args.pg_only else [("sqlite", None)]
        if args.pg:
            kinds.append(("postgresql", args.pg))
        phases = args.phases.split(",")
        results = [run(kind, pg, args.rows, args.src, book, changed, phases) for kind, pg in kinds]
    if args.save:
        args.save.write_text(json.dumps(results, indent=1))
    before = json.loads(args.before.read_text()) if args.before else []
    text = section(results, before, args.rows)
    print(text)
    if args.write:
        write_section(text)


if __name__ == "__main__":
    main()
