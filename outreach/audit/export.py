"""Streamed exports: any message search as CSV or JSON, and a subject-access export.

Rows are read with ``yield_per`` (a server-side cursor on PostgreSQL) and written out one at a
time, so memory stays flat however many rows match. Nothing here holds a result set.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from outreach import clock
from outreach.audit.csv_cells import safe_writer
from outreach.audit.search import MessageFilter, query
from outreach.models import AuditEvent, Base, LegalHold

BATCH = 2000
CSV_COLUMNS = (
    "id",
    "created_at",
    "sent_at",
    "borrower_id",
    "borrower_external_id",
    "loan_id",
    "conversation_id",
    "direction",
    "channel",
    "address",
    "sender",
    "officer_id",
    "initiated_by",
    "template",
    "status",
    "error",
    "provider_sid",
    "allowed",
    "reasons",
    "rules_version",
    "body",
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)  # money stays exact
    return value


def message_record(row: Any) -> dict[str, Any]:
    decision = row.decision or {}
    return {
        "id": row.id,
        "created_at": _plain(row.created_at),
        "sent_at": _plain(row.sent_at),
        "borrower_id": row.borrower_id,
        "borrower_external_id": row.borrower_external_id,
        "loan_id": row.loan_id,
        "conversation_id": row.conversation_id,
        "direction": row.direction,
        "channel": row.channel,
        "address": row.address,
        "sender": row.sender,
        "officer_id": row.officer_id,
        "initiated_by": row.initiated_by,
        "template": row.template,
        "status": row.status,
        "error": row.error,
        "provider_sid": row.provider_sid,
        "allowed": decision.get("allowed") if row.decision is not None else None,
        "reasons": decision.get("reasons") or [],
        "rules_version": decision.get("rules_version"),
        "body": row.body,
    }


def _rows(session: Session, flt: MessageFilter) -> Iterator[Any]:
    # ``with`` closes the server-side cursor even if the client goes away mid-download.
    with session.execute(query(flt).execution_options(yield_per=BATCH)) as rows:
        yield from rows


def messages_csv(session: Session, flt: MessageFilter) -> Iterator[str]:
    """CSV text in chunks: a header, then one line per message (newest first). Every text cell
    is neutralised against formula injection (``csv_cells``), the external id and address too."""
    buffer = io.StringIO()
    writer = safe_writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for n, row in enumerate(_rows(session, flt), 1):
        record = message_record(row)
        record["reasons"] = ";".join(record["reasons"])
        writer.writerow(["" if record[c] is None else record[c] for c in CSV_COLUMNS])
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def messages_json(session: Session, flt: MessageFilter) -> Iterator[str]:
    """A JSON document ``{"filter": ..., "messages": [...]}`` written element by element."""
    yield (
        '{"generated_at":'
        + json.dumps(clock.now().isoformat())
        + ',"filter":'
        + json.dumps(flt.as_params())
        + ',"messages":[\n'
    )
    chunk: list[str] = []
    first = True
    for row in _rows(session, flt):
        chunk.append(("" if first else ",\n") + json.dumps(message_record(row)))
        first = False
        if len(chunk) >= 500:
            yield "".join(chunk)
            chunk = []
    yield "".join(chunk) + "\n]}\n"


def _dependants(table: Table, seen: set[str]) -> Iterator[tuple[Table, Any, Any]]:
    for child in Base.metadata.sorted_tables:
        for fk in child.foreign_keys:
            if fk.column.table is table and child.name not in seen:
                yield child, fk.parent, fk.column


def _held_rows(
    session: Session, table: Table, where: Any, seen: set[str], out: dict[str, Any]
) -> None:
    # Every table that references the borrower, directly or through another held row (found from
    # the foreign keys, so data added by later features is included without code changes here).
    seen = seen | {table.name}
    for child, fk_col, parent_col in list(_dependants(table, seen)):
        child_where = fk_col.in_(select(parent_col).where(where))
        rows = session.execute(select(child).where(child_where).order_by(*child.primary_key))
        records = [{k: _plain(v) for k, v in r._mapping.items()} for r in rows]
        if records:
            out.setdefault(child.name, {})
            for record in records:
                out[child.name][json.dumps(record.get("id", record), default=str)] = record
        _held_rows(session, child, child_where, seen, out)


def subject_access(session: Session, borrower_id: int) -> dict[str, Any] | None:
    """Everything held on one borrower (GDPR Art. 15 / a regulator's request), or None."""
    borrowers = Base.metadata.tables["borrowers"]
    row = session.execute(select(borrowers).where(borrowers.c.id == borrower_id)).first()
    if row is None:
        return None
    found: dict[str, Any] = {}
    _held_rows(session, borrowers, borrowers.c.id == borrower_id, set(), found)
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.borrower_id == borrower_id).order_by(AuditEvent.id)
    )
    holds = session.scalars(select(LegalHold).where(LegalHold.borrower_id == borrower_id))
    return {
        "generated_at": clock.now().isoformat(),
        "borrower": {k: _plain(v) for k, v in row._mapping.items()},
        "records": {name: list(rows.values()) for name, rows in sorted(found.items())},
        "audit_events": [
            {
                "id": e.id,
                "at": _plain(e.at),
                "actor": e.actor,
                "action": e.action,
                "subject": e.subject,
                "details": e.details,
                "hash": e.hash,
            }
            for e in events
        ],
        "legal_holds": [
            {
                "id": h.id,
                "reason": h.reason,
                "placed_at": _plain(h.placed_at),
                "released_at": _plain(h.released_at),
            }
            for h in holds
        ],
    }
