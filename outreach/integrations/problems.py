"""What a service refuses, naming each bad field by its JSON pointer (RFC 6901).

The web layer turns these into ``application/problem+json`` answers (RFC 9457); services
raise them so the CLI or a file drop could report the same words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# C0/C1 controls, Unicode line separators and bidi overrides: never part of a reference, a
# name or a code (the loan book's rule, outreach.loan_import.rows).
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def pointer(*parts: str | int) -> str:
    """The JSON pointer to ``parts`` ("~" and "/" escaped as RFC 6901 says)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


@dataclass(frozen=True)
class FieldProblem:
    """One bad field: where (a JSON pointer into the request body, or a parameter name) and
    what is wrong with it."""

    pointer: str | None
    detail: str
    parameter: str | None = None

    def as_dict(self) -> dict[str, str]:
        out = {"detail": self.detail}
        if self.pointer is not None:
            out["pointer"] = self.pointer
        if self.parameter is not None:
            out["parameter"] = self.parameter
        return out


class InvalidInput(ValueError):
    """The request cannot be used as it is (422): every problem found, each naming its field."""

    def __init__(self, problems: list[FieldProblem], detail: str | None = None) -> None:
        self.problems = problems
        self.detail = detail or "; ".join(
            f"{p.pointer or p.parameter or 'body'}: {p.detail}" for p in problems
        )
        super().__init__(self.detail)


class NotFound(LookupError):
    """What the request names does not exist (404); the message says what."""


class Conflict(ValueError):
    """The request contradicts what is stored (409); ``pointer`` names the field."""

    def __init__(self, detail: str, pointer: str | None = None) -> None:
        super().__init__(detail)
        self.pointer = pointer


def clean_text(value: object, where: str, *, max_length: int, required: bool = True) -> str | None:
    """A stripped string without control characters, at most ``max_length`` long; raises
    InvalidInput naming ``where`` (a JSON pointer)."""
    if value is None or value == "":
        if required:
            raise InvalidInput([FieldProblem(where, "required")])
        return None
    if not isinstance(value, str):
        raise InvalidInput([FieldProblem(where, "must be a string")])
    if CONTROL.search(value):
        raise InvalidInput(
            [FieldProblem(where, "contains a control character (a line break, tab or similar)")]
        )
    value = value.strip()
    if not value and required:
        raise InvalidInput([FieldProblem(where, "required")])
    if len(value) > max_length:
        raise InvalidInput([FieldProblem(where, f"at most {max_length} characters")])
    return value or None
