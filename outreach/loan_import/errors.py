"""The loan-book import's one error type (shared by its row modules)."""

from __future__ import annotations


class RowError(ValueError):
    """A bad value in one row: ``str()`` is ``field: problem``."""

    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"{field_name}: {problem}")
        self.field = field_name
