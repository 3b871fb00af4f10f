"""The daily export dropped back to the lender: arrangements and events of one UTC day.

``outreach-export-YYYY-MM-DD.csv`` in the export folder (``FILE_DROP_EXPORT_URL``, default the
drop's ``outbox``), one file per day, each day exported once (a unique ``export:<day>`` claim):
a day missed while the scheduler was down is exported by the next run, oldest first (at most
``CATCH_UP`` days back). Columns:

``record,id,occurred_at,type,subject,external_id,loan_number,status,amount,currency,due_date,details``

- ``record`` ``promise`` / ``plan``: each promise and plan created or changed that day, as it
  stands now (``type`` promise/plan; ``amount`` the promised amount or the instalment;
  ``due_date`` the promised date or first instalment; ``details`` JSON with the rest).
- ``record`` ``event``: the day's events from the audit log, named as the outbound events
  contract names them (``payment.received``, ``promise.created``, ``promise.kept``,
  ``promise.broken``, ``plan.accepted``, ``plan.broken``, ``plan.completed``,
  ``handoff.opened``, ``handoff.closed``, ``contact.opted_out``, ``dispute.opened``,
  ``hardship.reported``, ``flag.set``), with only the details a lender acts on (never message
  text).
"""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from outreach.audit.csv_cells import safe_writer
from outreach.integrations.file_drops.locations import Location, export_url, opened
from outreach.models import AuditEvent, Borrower, FileDrop, Loan, PaymentPlan, PromiseToPay
from outreach.settings import Settings

CATCH_UP = 31
COLUMNS = (
    "record",
    "id",
    "occurred_at",
    "type",
    "subject",
    "external_id",
    "loan_number",
    "status",
    "amount",
    "currency",
    "due_date",
    "details",
)
EVENT_TYPES = {
    "payment.received": "payment.received",
    "promise.recorded": "promise.created",
    "promise.kept": "promise.kept",
    "promise.broken": "promise.broken",
    "plan.created": "plan.accepted",  # a plan is stored once accepted (arrangements.agreements)
    "plan.broken": "plan.broken",
    "plan.completed": "plan.completed",
    "handoff.opened": "handoff.opened",
    "handoff.closed": "handoff.closed",
    "consent.opt_out": "contact.opted_out",
    "flag.set": "flag.set",
}
FLAG_TYPES = {"dispute_open": "dispute.opened", "hardship": "hardship.reported"}
# The details worth a lender's system; anything else (message text above all) stays here.
DETAIL_KEYS = (
    "provider",
    "reference",
    "amount",
    "currency",
    "loan_number",
    "date",
    "reason",
    "priority",
    "channel",
    "flag",
    "paid",
    "from",
)


def export_name(day: date) -> str:
    return f"outreach-export-{day.isoformat()}.csv"


def _bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=UTC)
    return start, start + timedelta(days=1)


def _iso(value: datetime | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def _in_day(start: datetime, end: datetime, *values: datetime | None) -> datetime | None:
    """The latest of ``values`` that falls within the day, if any."""
    inside = [v for v in values if v is not None and start <= v < end]
    return max(inside) if inside else None


def _arrangement_rows(session: Session, start: datetime, end: datetime) -> list[list[Any]]:
    rows: list[list[Any]] = []

    def changed(*columns: Any) -> Any:
        return or_(*[(c >= start) & (c < end) for c in columns])

    promises = session.execute(
        select(PromiseToPay, Loan.loan_number, Loan.currency, Borrower.external_id)
        .join(Loan, Loan.id == PromiseToPay.loan_id)
        .join(Borrower, Borrower.id == PromiseToPay.borrower_id)
        .where(changed(PromiseToPay.created_at, PromiseToPay.resolved_at))
        .order_by(PromiseToPay.id)
    ).all()
    for p, loan_number, currency, external_id in promises:
        details = {
            "created_at": _iso(p.created_at),
            "resolved_at": _iso(p.resolved_at),
            "created_by": p.created_by,
        }
        rows.append(
            [
                "promise",
                p.id,
                _iso(_in_day(start, end, p.created_at, p.resolved_at)),
                "promise",
                f"promise:{p.id}",
                external_id,
                loan_number,
                p.status,
                "" if p.amount is None else str(p.amount),
                currency,
                _iso(p.promised_date),
                json.dumps(details, sort_keys=True),
            ]
        )
    plans = session.execute(
        select(PaymentPlan, Loan.loan_number, Loan.currency, Borrower.external_id)
        .join(Loan, Loan.id == PaymentPlan.loan_id)
        .join(Borrower, Borrower.id == PaymentPlan.borrower_id)
        .where(
            changed(
                PaymentPlan.created_at,
                PaymentPlan.accepted_at,
                PaymentPlan.broken_at,
                PaymentPlan.completed_at,
            )
        )
        .order_by(PaymentPlan.id)
    ).all()
    for plan, loan_number, currency, external_id in plans:
        details = {
            "instalment_count": plan.instalment_count,
            "frequency": plan.frequency,
            "first_amount": str(plan.first_amount),
            "total": str(plan.total),
            "created_by": plan.created_by,
            "accepted_at": _iso(plan.accepted_at),
            "broken_at": _iso(plan.broken_at),
            "completed_at": _iso(plan.completed_at),
        }
        at = _in_day(
            start, end, plan.created_at, plan.accepted_at, plan.broken_at, plan.completed_at
        )
        rows.append(
            [
                "plan",
                plan.id,
                _iso(at),
                "plan",
                f"plan:{plan.id}",
                external_id,
                loan_number,
                plan.status,
                str(plan.instalment_amount),
                currency,
                _iso(plan.start_date),
                json.dumps(details, sort_keys=True),
            ]
        )
    return rows


def _event_rows(session: Session, start: datetime, end: datetime) -> list[list[Any]]:
    rows: list[list[Any]] = []
    events = session.execute(
        select(AuditEvent, Borrower.external_id)
        .outerjoin(Borrower, Borrower.id == AuditEvent.borrower_id)
        .where(
            AuditEvent.at >= start, AuditEvent.at < end, AuditEvent.action.in_(list(EVENT_TYPES))
        )
        .order_by(AuditEvent.id)
    ).all()
    for event, external_id in events:
        raw = event.details if isinstance(event.details, dict) else {}
        details = {k: raw[k] for k in DETAIL_KEYS if k in raw}
        kind = EVENT_TYPES[event.action]
        if event.action == "flag.set":
            kind = FLAG_TYPES.get(str(raw.get("flag")), kind)
        rows.append(
            [
                "event",
                event.id,
                _iso(event.at),
                kind,
                event.subject or "",
                external_id or "",
                str(raw.get("loan_number") or ""),
                "",
                str(raw.get("amount") or ""),
                str(raw.get("currency") or ""),
                "",
                json.dumps(details, sort_keys=True, default=str),
            ]
        )
    return rows


def render_day(session: Session, day: date) -> bytes:
    """The export file of ``day`` (UTC), as bytes."""
    start, end = _bounds(day)
    out = io.StringIO()
    writer = safe_writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(_arrangement_rows(session, start, end))
    writer.writerows(_event_rows(session, start, end))
    return out.getvalue().encode()


def due_days(session: Session, now: datetime) -> list[date]:
    """The days to export now: every finished UTC day after the last exported one (only
    yesterday on the first run), at most ``CATCH_UP`` of them."""
    yesterday = now.astimezone(UTC).date() - timedelta(days=1)
    last = session.scalar(
        select(func.max(FileDrop.day)).where(
            FileDrop.direction == "out", FileDrop.status == "processed"
        )
    )
    first = (
        max(last + timedelta(days=1), yesterday - timedelta(days=CATCH_UP - 1))
        if last
        else yesterday
    )
    return [first + timedelta(days=n) for n in range((yesterday - first).days + 1)]


def export(session: Session, location: Location, now: datetime) -> list[date]:
    """Write every due day's file (see ``due_days``); the days written. Raises
    DropUnavailable (a day not written is written by the next run)."""
    written = []
    for day in due_days(session, now):
        key = f"export:{day.isoformat()}"
        row = session.scalar(select(FileDrop).where(FileDrop.claim_key == key))
        if row is not None and row.status == "processed":
            continue
        data = render_day(session, day)
        if row is None:
            row = FileDrop(
                direction="out",
                claim_key=key,
                name=export_name(day),
                day=day,
                kind="export",
                sha256="",
                size=0,
                status="processing",
                started_at=now,
            )
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()  # another run is exporting this day
                continue
        location.makedirs()
        location.put(row.name, data)
        row.sha256, row.size = hashlib.sha256(data).hexdigest(), len(data)
        row.status, row.processed_at, row.result_written_at = "processed", now, now
        session.commit()
        written.append(day)
    return written


def run_export(session: Session, settings: Settings, now: datetime) -> list[date]:
    """The scheduler's daily job: ``export`` into ``FILE_DROP_EXPORT_URL`` (or the drop's
    outbox)."""
    with opened(export_url(settings), settings) as location:
        return export(session, location, now)
