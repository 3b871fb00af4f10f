"""The contact-policy check over HTTP, answering exactly as ``python -m outreach.policy check``
does (contracts/policy-check.md): one scenario in, one decision (or ``{"id", "error"}``) out.

The scenario goes through the command's own ``answer_line`` (the same parsing, the same
``POLICY_OVERRIDES`` rule pack, the same output keys), so the two can never drift.
"""

from __future__ import annotations

import json
import re
from typing import Any

from outreach.integrations.problems import FieldProblem, pointer
from outreach.policy.__main__ import CONTRACT_KEYS, answer_line

MAX_SCENARIOS = 1000
_INDEX = re.compile(r"\[([0-9]+)\]")

__all__ = ["CONTRACT_KEYS", "MAX_SCENARIOS", "check", "error_problem"]


def check(scenario: Any, override_path: str | None) -> tuple[dict[str, Any], bool]:
    """The command's answer for one scenario (a parsed JSON value) and whether it is a
    decision."""
    return answer_line(json.dumps(scenario, ensure_ascii=False), override_path)


def error_problem(error: str, base: tuple[str | int, ...] = ()) -> FieldProblem:
    """The command's ``field: problem`` error as a problem naming the field's JSON pointer
    (``history[2].at`` is ``/history/2/at``)."""
    field, _, problem = error.partition(": ")
    if field in ("scenario", "line"):
        return FieldProblem(pointer(*base), problem)
    parts: list[str | int] = []
    for name in field.split("."):
        head, *indexes = _INDEX.split(name)
        parts.append(head)
        parts.extend(int(i) for i in indexes if i)
    return FieldProblem(pointer(*base, *(p for p in parts if p != "")), problem)
