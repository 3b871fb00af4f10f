"""Command line: ``python -m outreach.policy check [FILE]`` (../shared/contracts/policy-check.md).

Reads JSON Lines from FILE or standard input and writes one JSON line per input line, in order. A
line that cannot be parsed or fails validation is answered with ``{"id": <id or null>, "error":
"<field>: <problem>"}``; every other line is still answered, and the exit status is 2 when any line
was an error, 0 otherwise. ``POLICY_OVERRIDES`` (a lender override YAML file) is read here, at the
edge; the engine itself stays pure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from outreach.policy.engine import evaluate, pack_for
from outreach.policy.errors import PackError, ScenarioError
from outreach.policy.packs import load_pack
from outreach.policy.scenario import parse_scenario

# The contract's output keys; `--evidence` adds local times and the tz database version.
CONTRACT_KEYS = ("id", "allowed", "reasons", "next_allowed_at", "zones", "rules_version")


def answer_line(
    line: bytes | str, override_path: str | None, evidence: bool = False
) -> tuple[dict[str, Any], bool]:
    """The output object for one input line and whether it is a decision (not an error)."""
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            return {"id": None, "error": f"line: not UTF-8 text ({exc.reason})"}, False
    if not line.strip():
        return {"id": None, "error": "line: empty, expected one JSON object (a scenario)"}, False
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"id": None, "error": f"line: invalid JSON: {exc.msg} at column {exc.colno}"}, False
    scenario_id = data.get("id") if isinstance(data, dict) else None
    if not isinstance(scenario_id, str):
        scenario_id = None
    try:
        scenario = parse_scenario(data)
        decision = evaluate(pack_for(scenario, override_path), scenario)
        result = decision.to_dict()
        if not evidence:
            result = {key: result[key] for key in CONTRACT_KEYS}
        return result, True
    except ScenarioError as exc:
        return {"id": scenario_id, "error": str(exc)}, False
    except PackError:
        raise  # a broken rule pack is not this line's fault: stop and say so
    except Exception as exc:  # a bug must not cost the other lines their answers
        print(f"error: {scenario_id or 'line'}: {exc!r}", file=sys.stderr)
        return {"id": scenario_id, "error": f"internal error: {type(exc).__name__}"}, False


def check(
    lines: Iterable[bytes | str], out: TextIO, override_path: str | None, evidence: bool = False
) -> int:
    ok = True
    for number, raw in enumerate(lines):
        if number == 0 and raw[:3] == b"\xef\xbb\xbf":  # a UTF-8 byte-order mark
            raw = raw[3:]
        result, decided = answer_line(
            raw.rstrip(b"\r\n" if isinstance(raw, bytes) else "\r\n"), override_path, evidence
        )
        ok = ok and decided
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    out.flush()
    return 0 if ok else 2


def _lines(path: str | None) -> Iterator[bytes]:
    if path is None or path == "-":
        yield from sys.stdin.buffer
        return
    with open(path, "rb") as fobj:
        yield from fobj


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m outreach.policy",
        description="Decide contact-policy scenarios (JSON Lines in, one JSON line out per line).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    check_cmd = sub.add_parser("check", help="decide every scenario in FILE (or standard input)")
    check_cmd.add_argument("file", nargs="?", help="JSON Lines file; '-' or omitted: stdin")
    check_cmd.add_argument(
        "--evidence",
        action="store_true",
        help="also print each zone's local time and the tz database version",
    )
    args = parser.parse_args(argv)

    override = os.environ.get("POLICY_OVERRIDES") or None
    try:
        if override:  # fail fast on a broken override file rather than on every line
            load_pack("US", None, override)
        return check(_lines(args.file), sys.stdout, override, args.evidence)
    except BrokenPipeError:  # e.g. piped into `head`: the reader has all it wanted
        sys.stdout = None  # type: ignore[assignment]  # nothing more can be written or flushed
        return 0
    except PackError as exc:
        print(f"error: rule pack: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
