"""Opaque paging cursors: ``<prefix>.<last id read>`` in URL-safe base64, one prefix per feed
(``a1`` arrangement changes, ``e1`` events), so one feed's cursor is refused by another."""

from __future__ import annotations

import base64
import binascii
import re

from outreach.integrations.problems import FieldProblem, InvalidInput
from outreach.models.base import MAX_ID


def encode(prefix: str, last_id: int) -> str:
    return base64.urlsafe_b64encode(f"{prefix}.{last_id}".encode()).decode().rstrip("=")


def decode(prefix: str, raw: str | None) -> int:
    """The last id a cursor stands for (0: from the beginning); InvalidInput naming the
    ``cursor`` parameter for anything this feed did not hand out."""
    if raw is None or raw == "":
        return 0
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        text = ""
    match = re.fullmatch(re.escape(prefix) + r"\.([0-9]{1,19})", text)
    if not match or int(match.group(1)) > MAX_ID:
        raise InvalidInput(
            [FieldProblem(None, "not a cursor this API handed out", parameter="cursor")]
        )
    return int(match.group(1))
