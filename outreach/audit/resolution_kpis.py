"""KPIs of settlements, payment holidays and fee waivers (issue 17), for the dashboard's range.

Definitions (the dashboard shows them next to the figures):
- offers made: settlement offers the bot showed (``settlement.offered`` audit events, outcome
  offer or counter) plus settlements officers proposed (rows created by an officer), in range;
- accepted / paid / expired: settlements agreed (decided) in range; paid in full, or past their
  deadline without the full payment, in range;
- discount given: balance minus amount, of the settlements paid in range, per currency;
- recovered against the balance: paid / balance of those settlements, per currency;
- by product, bucket, channel and who decided (bot, officer, supervisor): accepted settlements.
Amounts in different currencies are never added together.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outreach.audit.kpis import Range
from outreach.models import AuditEvent, Resolution

AGREED = ("accepted", "paid", "expired", "completed")


def _in(column: Any, rng: Range) -> Any:
    return (column >= rng.start) & (column < rng.end)


def _count(session: Session, *where: Any) -> int:
    return int(session.scalar(select(func.count(Resolution.id)).where(*where)) or 0)


def figures(session: Session, rng: Range) -> dict[str, Any]:
    """The settlement, holiday and waiver figures (see the module docstring), JSON-ready."""
    settlement = Resolution.kind == "settlement"
    shown = session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "settlement.offered", _in(AuditEvent.at, rng)
        )
    )
    by_officers = _count(
        session,
        settlement,
        Resolution.requested_by.like("officer:%"),
        _in(Resolution.created_at, rng),
    )
    accepted_rows = session.scalars(
        select(Resolution).where(
            settlement, Resolution.status.in_(AGREED), _in(Resolution.decided_at, rng)
        )
    ).all()
    paid_rows = session.scalars(
        select(Resolution).where(
            settlement, Resolution.status == "paid", _in(Resolution.resolved_at, rng)
        )
    ).all()
    discount: dict[str, Decimal] = defaultdict(Decimal)
    recovered: dict[str, Decimal] = defaultdict(Decimal)
    balance: dict[str, Decimal] = defaultdict(Decimal)
    for row in paid_rows:
        discount[row.currency] += (
            row.balance - row.paid_amount if row.paid_amount < row.balance else Decimal(0)
        )
        recovered[row.currency] += row.paid_amount
        balance[row.currency] += row.balance
    breakdown: dict[str, dict[str, int]] = {
        "product": {},
        "bucket": {},
        "channel": {},
        "decided_by": {},
    }
    for row in accepted_rows:
        for key, value in (
            ("product", row.product),
            ("bucket", row.bucket),
            ("channel", row.channel or "console"),
            ("decided_by", (row.decided_by or "bot").split(":")[0]),
        ):
            breakdown[key][value] = breakdown[key].get(value, 0) + 1
    return {
        "offers_made": int(shown or 0) + by_officers,
        "accepted": len(accepted_rows),
        "paid": len(paid_rows),
        "expired": _count(
            session, settlement, Resolution.status == "expired", _in(Resolution.resolved_at, rng)
        ),
        "discount": dict(discount),
        "recovered": dict(recovered),
        "recovery_rate": {c: float(recovered[c] / balance[c]) for c in balance if balance[c] > 0},
        "by": breakdown,
        "holidays": _count(
            session,
            Resolution.kind == "holiday",
            Resolution.status.in_(AGREED),
            _in(Resolution.decided_at, rng),
        ),
        "waivers": _count(
            session,
            Resolution.kind == "waiver",
            Resolution.status.in_(AGREED),
            _in(Resolution.decided_at, rng),
        ),
    }
