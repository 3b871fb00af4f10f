"""Errors raised by the policy package."""

from __future__ import annotations


class ScenarioError(ValueError):
    """A scenario that cannot be decided.

    The message names the field first, e.g. ``borrower.country: required``.
    """

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class PackError(ValueError):
    """A rule pack or lender override file that is malformed; the message names the file and key."""
