"""Helpers for the policy tests: scenario builders and a runner for the policy CLI."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]
SHARED = REPO.parent / "shared"
EXAMPLES = SHARED / "contracts" / "policy-check-examples.jsonl"

# A Chicago borrower with every channel consented (the public examples' borrower).
BORROWER: dict[str, Any] = {
    "country": "US",
    "region": "IL",
    "postal_code": "60601",
    "phone": "+13125550100",
    "email": "c@example.com",
    "consent": ["sms", "email", "whatsapp"],
}


def build(now: str, channel: str = "sms", *, replace: bool = False, **fields: Any) -> dict:
    """A scenario dict: ``borrower=`` entries are merged into BORROWER (or replace it when
    ``replace``); a borrower value of None removes that key."""
    borrower = {} if replace else copy.deepcopy(BORROWER)
    for key, value in fields.pop("borrower", {}).items():
        if value is None:
            borrower.pop(key, None)
        else:
            borrower[key] = value
    return {"id": "T", "now": now, "channel": channel, "borrower": borrower, **fields}


def run_cli(
    stdin: str | None = None, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    if "POLICY_OVERRIDES" not in (env or {}):
        full_env.pop("POLICY_OVERRIDES", None)  # the caller's shell must not leak into tests
    return subprocess.run(
        [sys.executable, "-m", "outreach.policy", "check", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        env=full_env,
        timeout=120,
        check=False,
    )


def outputs(proc: subprocess.CompletedProcess[str]) -> list[dict]:
    return [json.loads(line) for line in proc.stdout.splitlines()]
