"""Plans and promises changed since a cursor, for the lender's system to poll.

Every change to an arrangement is an audit event on its subject (``plan:<id>``,
``promise:<id>``: created, current, kept, broken, completed, cancelled), and the audit log is
appended under one lock held to commit (``outreach.audit.log``), so event ids become visible in
increasing order: a cursor that is the last event id read never skips a change committed later.
The cursor is opaque to clients (``a1.<id>`` in URL-safe base64). A page holds each changed
arrangement once, as it is now, at the position of its latest change in the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from outreach.integrations import cursors
from outreach.models import AuditEvent, Borrower, Loan, PaymentPlan, PromiseToPay

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def encode_cursor(last_id: int) -> str:
    return cursors.encode("a1", last_id)


def decode_cursor(raw: str | None) -> int:
    """The last id a cursor stands for (0: from the beginning); InvalidInput naming ``cursor``."""
    return cursors.decode("a1", raw)


@dataclass
class Page:
    items: list[dict[str, Any]]
    next_cursor: str
    has_more: bool


def _money(value: Any) -> str | None:
    return None if value is None else str(value)


def _plan(p: PaymentPlan, loan: Loan, external_id: str) -> dict[str, Any]:
    return {
        "kind": "plan",
        "id": p.id,
        "loan_number": loan.loan_number,
        "borrower_external_id": external_id,
        "status": p.status,
        "amount": _money(p.total),
        "instalment_amount": _money(p.instalment_amount),
        "instalment_count": p.instalment_count,
        "frequency": p.frequency,
        "start_date": p.start_date,
        "promised_date": None,
        "created_by": p.created_by,
        "created_at": p.created_at,
    }


def _promise(p: PromiseToPay, loan: Loan, external_id: str) -> dict[str, Any]:
    return {
        "kind": "promise",
        "id": p.id,
        "loan_number": loan.loan_number,
        "borrower_external_id": external_id,
        "status": p.status,
        "amount": _money(p.amount),
        "instalment_amount": None,
        "instalment_count": None,
        "frequency": None,
        "start_date": None,
        "promised_date": p.promised_date,
        "created_by": p.created_by,
        "created_at": p.created_at,
    }


def changes(session: Session, cursor: str | None, limit: int = DEFAULT_LIMIT) -> Page:
    """The arrangements changed after ``cursor``, at most ``limit`` changes read."""
    after = decode_cursor(cursor)
    limit = max(1, min(limit, MAX_LIMIT))
    events = session.execute(
        select(AuditEvent.id, AuditEvent.subject, AuditEvent.action, AuditEvent.at)
        .where(
            AuditEvent.id > after,
            or_(AuditEvent.subject.like("plan:%"), AuditEvent.subject.like("promise:%")),
        )
        .order_by(AuditEvent.id)
        .limit(limit + 1)
    ).all()
    has_more = len(events) > limit
    events = events[:limit]
    latest: dict[tuple[str, int], Any] = {}
    for event in events:
        kind, _, raw_id = (event.subject or "").partition(":")
        if raw_id.isascii() and raw_id.isdigit():
            latest.pop((kind, int(raw_id)), None)  # re-inserted: ordered by its latest change
            latest[(kind, int(raw_id))] = event
    plan_ids = [i for k, i in latest if k == "plan"]
    promise_ids = [i for k, i in latest if k == "promise"]
    rows: dict[tuple[str, int], Any] = {}
    for model, kind, ids in (
        (PaymentPlan, "plan", plan_ids),
        (PromiseToPay, "promise", promise_ids),
    ):
        if ids:
            for row, loan, external_id in session.execute(
                select(model, Loan, Borrower.external_id)
                .join(Loan, Loan.id == model.loan_id)
                .join(Borrower, Borrower.id == Loan.borrower_id)
                .where(model.id.in_(ids))
            ):
                rows[(kind, row.id)] = (row, loan, external_id)
    items = []
    for key, event in latest.items():
        if key not in rows:
            continue  # an arrangement no longer stored (retention): nothing to describe
        row, loan, external_id = rows[key]
        item = (
            _plan(row, loan, external_id) if key[0] == "plan" else _promise(row, loan, external_id)
        )
        item["change"] = {"action": event.action, "at": event.at, "seq": event.id}
        items.append(item)
    next_cursor = encode_cursor(events[-1].id) if events else encode_cursor(after)
    return Page(items, next_cursor, has_more)
