"""Retention: purge everything held on a borrower once their records are past the schedule.

The schedule lives in ``config/retention.yaml`` keyed by rule pack (default: three years after the
last collection activity, Reg F 1006.100). A borrower is purged only when
- the newest collection activity (a message either way, a payment, a promise, a plan, a handoff
  case, a conversation) is older than the schedule for their most specific pack,
- no loan is still open (``current`` or ``delinquent``): an open debt is still being collected,
- and no legal hold is in force.

Purging deletes the borrower's rows in every table that references them (found from the foreign
keys, so tables added later are covered) and redacts the details of their audit events. The audit
chain commits to a digest of each event's details, and a redaction keeps that digest, so the chain
still verifies; the purge itself is appended as a ``retention.purged`` event naming every redacted
event, and ``verify`` refuses a redacted event no purge event names.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Table, bindparam, delete, func, select, union_all, update
from sqlalchemy.orm import Session

from outreach.audit import log as audit
from outreach.models import (
    AuditEvent,
    Base,
    Borrower,
    Conversation,
    HandoffCase,
    LegalHold,
    Loan,
    Message,
    Payment,
    PaymentPlan,
    PromiseToPay,
)
from outreach.policy.packs import pack_chain

CONFIG = Path(__file__).resolve().parents[2] / "config" / "retention.yaml"
OPEN_LOAN_STATUSES = ("current", "delinquent")


class RetentionConfigError(ValueError):
    pass


def load_schedule(path: Path = CONFIG) -> dict[str, int]:
    """Pack name -> years after the last activity; every entry validated, ``default`` required."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise RetentionConfigError(f"{path}: {exc}") from None
    packs = raw.get("packs")
    if not isinstance(packs, dict) or "default" not in packs:
        raise RetentionConfigError(f"{path}: packs: a mapping with a 'default' entry is required")
    schedule = {}
    for name, entry in packs.items():
        years = entry.get("years_after_last_activity") if isinstance(entry, dict) else None
        if not isinstance(years, int) or isinstance(years, bool) or not 1 <= years <= 100:
            raise RetentionConfigError(
                f"{path}: packs.{name}.years_after_last_activity: a whole number of years 1-100"
            )
        schedule[str(name)] = years
    return schedule


def years_for(schedule: dict[str, int], country: str, region: str | None) -> int:
    """The most specific pack's period (the pack chain used by the contact policy)."""
    years = schedule["default"]
    for name in pack_chain(country, [region] if region else []):
        years = schedule.get(name, years)
    return years


def years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def last_activity(session: Session) -> dict[int, datetime]:
    """Borrower id -> newest collection activity, in one aggregate query over every source."""
    sources = [
        select(Message.borrower_id.label("b"), func.max(Message.created_at).label("at")).group_by(
            Message.borrower_id
        ),
        select(Loan.borrower_id, func.max(Payment.paid_at))
        .join(Payment, Payment.loan_id == Loan.id)
        .group_by(Loan.borrower_id),
        select(
            PromiseToPay.borrower_id,
            func.max(func.coalesce(PromiseToPay.resolved_at, PromiseToPay.created_at)),
        ).group_by(PromiseToPay.borrower_id),
        select(
            PaymentPlan.borrower_id,
            func.max(
                func.coalesce(
                    PaymentPlan.completed_at,
                    PaymentPlan.broken_at,
                    PaymentPlan.accepted_at,
                    PaymentPlan.created_at,
                )
            ),
        ).group_by(PaymentPlan.borrower_id),
        select(
            HandoffCase.borrower_id,
            func.max(func.coalesce(HandoffCase.closed_at, HandoffCase.opened_at)),
        ).group_by(HandoffCase.borrower_id),
        select(Conversation.borrower_id, func.max(Conversation.last_message_at)).group_by(
            Conversation.borrower_id
        ),
        select(Borrower.id, Borrower.created_at),
    ]
    every = union_all(*sources).subquery()
    rows = session.execute(
        select(every.c.b, func.max(every.c.at)).where(every.c.b.is_not(None)).group_by(every.c.b)
    )
    at_type = Message.__table__.c.created_at.type
    out = {}
    for borrower_id, at in rows:
        # max() over a union loses the column type on some dialects: normalise to aware UTC.
        if isinstance(at, str):
            at = datetime.fromisoformat(at)
        out[borrower_id] = at_type.process_result_value(at, None)
    return out


@dataclass
class PurgeReport:
    """What a purge removed (rows per table), whom it skipped, and the audit event ids redacted."""

    borrowers: list[int] = field(default_factory=list)
    removed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    redacted_audit_events: int = 0
    skipped_legal_hold: list[int] = field(default_factory=list)
    skipped_open_loan: int = 0
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "borrowers": len(self.borrowers),
            "removed": dict(sorted(self.removed.items())),
            "redacted_audit_events": self.redacted_audit_events,
            "skipped_legal_hold": len(self.skipped_legal_hold),
            "skipped_open_loan": self.skipped_open_loan,
            "dry_run": self.dry_run,
        }


def due_for_purge(
    session: Session, now: datetime, schedule: dict[str, int] | None = None
) -> tuple[list[int], list[int], int]:
    """(borrowers to purge, borrowers past retention but under legal hold, skipped open loans)."""
    schedule = schedule or load_schedule()
    activity = last_activity(session)
    held = set(
        session.scalars(select(LegalHold.borrower_id).where(LegalHold.released_at.is_(None)))
    )
    open_loans = set(
        session.scalars(select(Loan.borrower_id).where(Loan.status.in_(OPEN_LOAN_STATUSES)))
    )
    due, on_hold, open_count = [], [], 0
    for borrower_id, country, region in session.execute(
        select(Borrower.id, Borrower.country, Borrower.region).order_by(Borrower.id)
    ):
        cutoff = years_before(now, years_for(schedule, country, region))
        if activity.get(borrower_id, now) >= cutoff:
            continue
        if borrower_id in open_loans:
            open_count += 1
        elif borrower_id in held:
            on_hold.append(borrower_id)
        else:
            due.append(borrower_id)
    return due, on_hold, open_count


def _children(table: Table) -> list[tuple[Table, Any, Any]]:
    """(child table, child FK column, parent column) for every foreign key pointing at ``table``."""
    out = []
    for child in Base.metadata.sorted_tables:
        for fk in child.foreign_keys:
            if fk.column.table is table:
                out.append((child, fk.parent, fk.column))
    return out


def _delete_cascade(
    session: Session, table: Table, where: Any, report: PurgeReport, depth: int = 0
) -> None:
    # Children first (set-based: each level is one DELETE with a sub-select), then the rows.
    if depth > 8:
        raise RuntimeError(f"foreign keys nest too deep under {table.name}")
    for child, fk_col, parent_col in _children(table):
        if child is table:
            continue
        _delete_cascade(
            session, child, fk_col.in_(select(parent_col).where(where)), report, depth + 1
        )
    removed = session.execute(delete(table).where(where)).rowcount
    if removed:
        report.removed[table.name] += removed


def _redact_audit(session: Session, borrower_ids: list[int], now: datetime) -> list[int]:
    table = AuditEvent.__table__
    rows = session.execute(
        select(table.c.id, table.c.details).where(table.c.borrower_id.in_(borrower_ids))
    ).all()
    params = [
        {
            "eid": eid,
            "new": {
                audit.REDACTED: {
                    "sha256": audit.redacted_digest(details) or audit.details_digest(details),
                    "at": now.isoformat(),
                    "reason": "retention",
                }
            },
        }
        for eid, details in rows
    ]
    if params:
        # A Core UPDATE on purpose: the ORM refuses to rewrite audit events, and this is the one
        # sanctioned rewrite (the digest the chain commits to is kept).
        session.connection().execute(
            update(table).where(table.c.id == bindparam("eid")).values(details=bindparam("new")),
            params,
        )
    return [eid for eid, _ in rows]


def purge(
    session: Session,
    now: datetime,
    *,
    dry_run: bool = False,
    actor: str = "scheduler",
    schedule: dict[str, int] | None = None,
    batch: int = 500,
) -> PurgeReport:
    """Purge every borrower past retention (committed per batch) and report what went."""
    due, on_hold, open_count = due_for_purge(session, now, schedule)
    report = PurgeReport(skipped_legal_hold=on_hold, skipped_open_loan=open_count, dry_run=dry_run)
    report.borrowers = due
    if dry_run or not due:
        return report
    borrowers = Borrower.__table__
    for start in range(0, len(due), batch):
        ids = due[start : start + batch]
        before = dict(report.removed)
        _delete_cascade(session, borrowers, borrowers.c.id.in_(ids), report)
        redacted = _redact_audit(session, ids, now)
        report.redacted_audit_events += len(redacted)
        counts = {
            k: v - before.get(k, 0) for k, v in report.removed.items() if v - before.get(k, 0)
        }
        audit.record(
            session,
            actor,
            "retention.purged",
            details={"borrower_ids": ids, "removed": counts, "redacted_audit_ids": redacted},
        )
        session.commit()
    return report
