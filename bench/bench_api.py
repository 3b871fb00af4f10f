"""Benchmark the REST API's bulk upsert against the CSV import of the same loan book.

    .venv/bin/python bench/bench_api.py                       # SQLite, print the figures
    .venv/bin/python bench/bench_api.py --pg postgresql://postgres@127.0.0.1:5432/postgres
    ... --write                                               # update docs/benchmarks.md

The book is bench_import.py's (``--rows`` loans, default 100,000, for 80% as many borrowers).
API: the app served by werkzeug in its own process (rate limit raised out of the way), the book
posted to ``POST /api/v1/loan-book`` in requests of 10,000 items (the most one takes) by a
``requests`` client in this process; the clock runs from the first request to the last answer.
CSV: ``flask --app wsgi import-loans`` in its own process, start-up included. Each runs on a
fresh migrated database: the first load (everything created), then the same book again
(everything unchanged). Peak memory is the serving (or importing) process's high-water RSS.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from bench_import import drop_db, machine, make_db, write_book  # noqa: E402

BATCH = 10_000
START_LOAD = os.getloadavg()[0]
SECRET = "bench-api-" + "q" * 32
ENV = {
    "SECRET_KEY": SECRET,
    "RASA_TOKEN": "bench-api-rasa-token-012345",
    "API_RATE_LIMIT": "1000000 per minute",
}


def _env(url: str) -> dict[str, str]:
    return {**os.environ, **ENV, "DATABASE_URL": url}


def _flask(url: str, *args: str) -> tuple[str, float, int, float]:
    """``flask --app wsgi ARGS``: its last line, wall seconds, peak RSS (KiB), CPU seconds."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=REPO,
        env=_env(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    out = proc.stdout.read() if proc.stdout else ""
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):  # 1: some rows refused (none are, in this book)
        raise SystemExit(f"flask {' '.join(args)} failed ({proc.returncode}): {out[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return (out.strip().splitlines() or [""])[-1], seconds, usage.ru_maxrss, cpu


def _cpu(pid: int) -> float:
    """User + system CPU seconds of a running process (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def serve(port: int) -> None:
    """Run the app on 127.0.0.1:``port`` until terminated (the ``--serve`` mode)."""
    from werkzeug.serving import make_server

    from outreach import create_app

    server = make_server("127.0.0.1", port, create_app(), threaded=False)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.serve_forever()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _items(book: Path) -> list[dict[str, str]]:
    with book.open(newline="", encoding="utf-8") as handle:
        return [dict(row) for row in csv.DictReader(handle)]


def api_run(url: str, items: list[dict[str, str]]) -> dict:
    import requests

    key, *_ = _flask(url, "api-keys", "create", "--name", "bench", "--scopes", "loans:write")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port)],
        cwd=REPO,
        env=_env(url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                requests.get(base + "/api/v1/openapi.json", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {key}"
        result = {}
        for phase in ("import", "reimport"):
            counts: dict[str, int] = {}
            answer_bytes = 0
            cpu, start = _cpu(server.pid), time.perf_counter()
            for i in range(0, len(items), BATCH):
                resp = api.post(
                    f"{base}/api/v1/loan-book", json={"items": items[i : i + BATCH]}, timeout=600
                )
                resp.raise_for_status()
                answer_bytes = max(answer_bytes, len(resp.content))
                for name, n in resp.json()["summary"].items():
                    counts[name] = counts.get(name, 0) + n
            seconds = time.perf_counter() - start
            result[phase] = {
                "seconds": seconds,
                "cpu_seconds": _cpu(server.pid) - cpu,
                "counts": counts,
                "answer_mb": answer_bytes / 1e6,
            }
            print(f"api {phase}: {seconds:.1f} s {counts}", file=sys.stderr, flush=True)
        result["peak_mib"] = _peak_kib(server.pid) / 1024
        return result
    finally:
        server.terminate()
        server.wait(timeout=30)


def csv_run(url: str, book: Path) -> dict:
    result: dict = {}
    peak = 0
    for phase in ("import", "reimport"):
        summary, seconds, rss, cpu = _flask(url, "import-loans", str(book))
        peak = max(peak, rss)
        result[phase] = {"seconds": seconds, "cpu_seconds": cpu, "summary": summary}
        print(f"csv {phase}: {seconds:.1f} s {summary}", file=sys.stderr, flush=True)
    result["peak_mib"] = peak / 1024
    return result


def measure(kind: str, pg: str | None, book: Path, items: list[dict[str, str]]) -> dict:
    out = {"database": kind}
    for name in ("api", "csv"):
        url = make_db(kind, pg)
        try:
            _flask(url, "init-db")
            out[name] = api_run(url, items) if name == "api" else csv_run(url, book)
        finally:
            from outreach.db import engine_for

            engine_for.cache_clear()
            drop_db(url)
    return out


def section(results: list[dict], rows: int) -> str:
    lines = [
        "## REST API bulk upsert",
        "",
        "Command: `.venv/bin/python bench/bench_api.py --pg "
        "postgresql://postgres@127.0.0.1:5432/postgres --write`.",
        "",
        f"Machine: {machine()} when this section was written, {START_LOAD:.2f} when the run "
        "started (`nproc`, `lscpu | grep 'Model name'`, `uptime`; the VM is shared with other "
        "engineers' test suites, so wall times are noisy and the CPU seconds are the fairer "
        f"comparison). Measured {date.today()}.",
        "",
        f"Workload: the loan book of bench_import.py, {rows:,} loans for {int(rows * 0.8):,} "
        "borrowers, loaded into a fresh database, then loaded again unchanged. API: "
        f"`POST /api/v1/loan-book` in requests of {BATCH:,} items from a `requests` client, the "
        "app served by werkzeug (one process, one thread); wall time from the first request to "
        "the last answer. CSV: `flask --app wsgi import-loans` in its own process, start-up "
        "included. Peak memory: the high-water RSS of the serving or importing process.",
        "",
        "| database | path | first load, s wall / CPU | loans/s (wall) | same book again, s "
        "wall / CPU | peak memory, MiB |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        for name, label in (("api", "REST API"), ("csv", "CSV import")):
            m = r[name]
            first, again = m["import"], m["reimport"]
            lines.append(
                f"| {r['database']} | {label} | {first['seconds']:.1f} / "
                f"{first['cpu_seconds']:.1f} | {rows / first['seconds']:,.0f} | "
                f"{again['seconds']:.1f} / {again['cpu_seconds']:.1f} | {m['peak_mib']:.0f} |"
            )
    lines.append("")
    for r in results:
        ratio = r["api"]["import"]["seconds"] / r["csv"]["import"]["seconds"]
        cpu = r["api"]["import"]["cpu_seconds"] / r["csv"]["import"]["cpu_seconds"]
        lines.append(
            f"- {r['database']}: the API's first load takes **{ratio:.2f}x** the CSV import's "
            f"wall time ({cpu:.2f}x its CPU time, the server's CPU for the API)."
        )
    answer = max(r["api"]["import"]["answer_mb"] for r in results)
    lines += [
        "",
        "Both paths run the same validation and set-based upsert (`outreach.loan_import`: "
        "`parse_row`, then reads, bulk inserts and updates per 2,000 rows). The API adds JSON "
        "parsing (numbers as Decimals), the per-item results it returns (a JSON answer of "
        f"{answer:.1f} MB per {BATCH:,} items), the HTTP round trips and one audit event per request; the CSV "
        "import adds its encoding and row-count pre-pass and the process start-up. Memory stays "
        f"bounded by the request size: a request holds at most {BATCH:,} items.",
        "",
        "",
    ]
    return "\n".join(lines)


def write_section(text: str) -> None:
    path = REPO / "docs" / "benchmarks.md"
    doc = path.read_text()
    pattern = re.compile(r"^## REST API bulk upsert\n.*?(?=^## |\Z)", re.S | re.M)
    doc = pattern.sub(lambda _m: text, doc) if pattern.search(doc) else doc.rstrip() + "\n\n" + text
    path.write_text(doc)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--pg", help="PostgreSQL server URL (a temporary database is made)")
    parser.add_argument("--pg-only", action="store_true")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "book.csv"
        write_book(book, args.rows)
        items = _items(book)
        kinds = [] if args.pg_only else [("sqlite", None)]
        if args.pg:
            kinds.append(("postgresql", args.pg))
        results = [measure(kind, pg, book, items) for kind, pg in kinds]
    text = section(results, args.rows)
    print(text)
    if args.write:
        write_section(text)


if __name__ == "__main__":
    main()
