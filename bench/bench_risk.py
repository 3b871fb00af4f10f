"""Risk model: AUC on a held-out month against ordering by days past due alone.

Run: .venv/bin/python bench/bench_risk.py [--loans 3000] [--periods 6] [--seeds 1 2 3]
(SQLite in a temp dir). For each seed a book is generated (tests/support/risk_book.py: each
borrower's hidden propensity to pay drives their payments and what the features see), the model
is trained by the same code as `flask --app wsgi risk train` on every sample month but the last,
and both orderings are scored on that held-out month. Prints a Markdown table for
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from bench_import import machine  # noqa: E402

from outreach.db import session_scope  # noqa: E402
from outreach.migrate import upgrade  # noqa: E402
from outreach.risk.train import train  # noqa: E402
from tests.support.risk_book import generate_book  # noqa: E402


def run(loans: int, periods: int, seed: int) -> dict:
    tmp = tempfile.mkdtemp()
    url = f"sqlite:///{tmp}/risk.sqlite"
    upgrade(url)
    with session_scope(url) as session:
        start = time.perf_counter()
        generate_book(session, loans=loans, periods=periods, start=date(2026, 1, 1), seed=seed)
        built = time.perf_counter() - start
        start = time.perf_counter()
        model = train(session, datetime(2026, 12, 1, tzinfo=UTC), seed=0)
        took = time.perf_counter() - start
        d = model.details
        return {
            "seed": seed,
            "rows": d["train_rows"],
            "held": d["held_out_rows"],
            "auc": d["auc"],
            "dpd": d["auc_days_past_due"],
            "build": built,
            "train": took,
            "coef": dict(zip(model.features, model.coefficients, strict=True)),
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loans", type=int, default=3000)
    parser.add_argument("--periods", type=int, default=6)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    print(f"Machine: {machine()}\n")
    print(
        "| seed | training rows | held-out loans | AUC, risk score | AUC, days past due | "
        "book s | train s |"
    )
    print("|---|---|---|---|---|---|---|")
    results = [run(args.loans, args.periods, seed) for seed in args.seeds]
    for r in results:
        print(
            f"| {r['seed']} | {r['rows']:,} | {r['held']:,} | {r['auc']:.4f} | {r['dpd']:.4f} | "
            f"{r['build']:.1f} | {r['train']:.1f} |"
        )
    print("\nCoefficients (standardised features), seed", results[0]["seed"], ":")
    for name, coef in results[0]["coef"].items():
        print(f"- {name}: {coef:+.4f}")


if __name__ == "__main__":
    main()
