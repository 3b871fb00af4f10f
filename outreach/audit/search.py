"""Message search for auditors: validated filters -> one indexed, newest-first query.

Every filter names its field when it is wrong. The same query drives the result pages (keyset
pagination on ``(created_at, id)``, so page 10,000 costs what page 1 costs) and the streamed
exports (no limit).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, Text, and_, cast, func, or_, select

from outreach.models import CHANNELS, Borrower, Message, Officer
from outreach.models.base import MAX_ID
from outreach.policy.scenario import MAX_YEAR, MIN_YEAR

DIRECTIONS = ("in", "out")
DECISIONS = ("allowed", "blocked")
PAGE_SIZE = 50
_REASON = re.compile(r"^[a-z0-9_.:-]{1,64}$")
_TEMPLATE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
# ASCII digits only: "²".isdigit() is true and int("²") fails (security review finding 20).
_ID = re.compile(r"[0-9]{1,19}")


class FilterError(ValueError):
    """A search parameter that cannot be used; ``field`` names it."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


@dataclass(frozen=True)
class MessageFilter:
    borrower: str = ""  # borrower id, external id, or the start of the name
    address: str = ""  # phone (E.164, spaces allowed) or email
    channel: str = ""
    direction: str = ""
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    officer: int | None = None
    template: str = ""
    decision: str = ""
    reason: str = ""

    def as_params(self) -> dict[str, str]:
        """The filter as query-string parameters (empty ones left out)."""
        return {
            k: (v.isoformat() if isinstance(v, date) else str(v))
            for k, v in asdict(self).items()
            if v not in ("", None)
        }


def _id(raw: str) -> int | None:
    """``raw`` as a row id (ASCII digits, at most ``MAX_ID``), else None."""
    return int(raw) if _ID.fullmatch(raw) and int(raw) <= MAX_ID else None


def _date(args: Any, name: str) -> date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise FilterError(name, "a date as YYYY-MM-DD") from None
    if not MIN_YEAR <= value.year <= MAX_YEAR:  # 9999-12-31 overflowed "the day after"
        raise FilterError(name, f"a date as YYYY-MM-DD in the years {MIN_YEAR} to {MAX_YEAR}")
    return value


def _choice(args: Any, name: str, choices: tuple[str, ...]) -> str:
    raw = (args.get(name) or "").strip().lower()
    if raw and raw not in choices:
        raise FilterError(name, f"one of {', '.join(choices)}")
    return raw


def parse_filter(args: Any) -> MessageFilter:
    """Build a filter from request args (any mapping with ``get``); raise ``FilterError``."""
    officer_raw = (args.get("officer") or "").strip()
    if officer_raw and _id(officer_raw) is None:
        raise FilterError("officer", "an officer id (a number)")
    address = (args.get("address") or "").strip()
    if address and "@" in address:
        address = address.lower()
    elif address:
        address = re.sub(r"[\s().-]", "", address)
        if not re.fullmatch(r"\+?[0-9]{4,15}", address):
            raise FilterError("address", "a phone number in E.164 (+13125550100) or an email")
        address = address if address.startswith("+") else "+" + address
    template = (args.get("template") or "").strip()
    if template and not _TEMPLATE.match(template):
        raise FilterError("template", "a template name (letters, digits, _ . : -)")
    reason = (args.get("reason") or "").strip()
    if reason and not _REASON.match(reason):
        raise FilterError("reason", "a reason code such as contact_window")
    flt = MessageFilter(
        borrower=(args.get("borrower") or "").strip()[:200],
        address=address,
        channel=_choice(args, "channel", CHANNELS),
        direction=_choice(args, "direction", DIRECTIONS),
        date_from=_date(args, "date_from"),
        date_to=_date(args, "date_to"),
        officer=int(officer_raw) if officer_raw else None,
        template=template,
        decision=_choice(args, "decision", DECISIONS),
        reason=reason,
    )
    if flt.date_from and flt.date_to and flt.date_to < flt.date_from:
        raise FilterError("date_to", "on or after date_from")
    return flt


def _borrower_ids(term: str) -> Select:
    if (borrower_id := _id(term)) is not None:
        return select(Borrower.id).where(
            or_(Borrower.id == borrower_id, Borrower.external_id == term)
        )
    like = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return select(Borrower.id).where(
        or_(Borrower.external_id == term, func.lower(Borrower.full_name).like(like, escape="\\"))
    )


def conditions(flt: MessageFilter) -> list[Any]:
    """The WHERE clauses for ``flt`` (each served by an index on messages)."""
    where: list[Any] = []
    if flt.borrower:
        where.append(Message.borrower_id.in_(_borrower_ids(flt.borrower)))
    if flt.address:
        where.append(Message.address == flt.address)
    if flt.channel:
        where.append(Message.channel == flt.channel)
    if flt.direction:
        where.append(Message.direction == flt.direction)
    if flt.date_from:
        where.append(Message.created_at >= datetime.combine(flt.date_from, time(), UTC))
    if flt.date_to:
        where.append(
            Message.created_at < datetime.combine(flt.date_to + timedelta(days=1), time(), UTC)
        )
    if flt.officer is not None:
        where.append(Message.officer_id == flt.officer)
    if flt.template:
        where.append(Message.template == flt.template)
    if flt.decision == "blocked":
        where.append(Message.status == "blocked")
    elif flt.decision == "allowed":
        where.append(and_(Message.decision.is_not(None), Message.status != "blocked"))
    if flt.reason:
        # Reasons live in the stored decision (JSON); a quoted match cannot hit a longer code.
        where.append(cast(Message.decision, Text).like(f'%"{flt.reason}"%'))
    return where


RESULT_COLUMNS = (
    Message.id,
    Message.created_at,
    Message.sent_at,
    Message.borrower_id,
    Borrower.external_id.label("borrower_external_id"),
    Borrower.full_name.label("borrower_name"),
    Message.loan_id,
    Message.conversation_id,
    Message.direction,
    Message.channel,
    Message.address,
    Message.sender,
    Message.officer_id,
    Officer.name.label("officer_name"),
    Message.initiated_by,
    Message.template,
    Message.status,
    Message.error,
    Message.provider_sid,
    Message.decision,
    Message.body,
)


def query(
    flt: MessageFilter, *, after: tuple[datetime, int] | None = None, limit: int | None = None
) -> Select:
    """Newest first; ``after`` is the (created_at, id) of the last row already shown."""
    stmt = (
        select(*RESULT_COLUMNS)
        .outerjoin(Borrower, Borrower.id == Message.borrower_id)
        .outerjoin(Officer, Officer.id == Message.officer_id)
        .where(*conditions(flt))
        .order_by(Message.created_at.desc(), Message.id.desc())
    )
    if after is not None:
        at, last_id = after
        stmt = stmt.where(
            or_(Message.created_at < at, and_(Message.created_at == at, Message.id < last_id))
        )
    return stmt.limit(limit) if limit else stmt


def parse_cursor(raw: str) -> tuple[datetime, int] | None:
    """``<iso time>~<id>`` as written by ``cursor_for``; a bad cursor raises ``FilterError``."""
    if not raw:
        return None
    at, _, mid = raw.partition("~")
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        moment = None
    last_id = _id(mid)
    # Years outside the range overflow the conversion to UTC, ids past 64 bits SQLite.
    if moment is None or last_id is None or not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise FilterError("after", "a cursor from a previous page")
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)), last_id


def cursor_for(row: Any) -> str:
    return f"{row.created_at.isoformat()}~{row.id}"
