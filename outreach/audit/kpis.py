"""Collections KPIs for a date range, each figure one aggregate query (nothing row by row).

Definitions (the dashboard shows them next to the figures):
- sent: lender-side outbound messages handed to a provider (not blocked); delivered: status
  delivered or read; failed: failed or undelivered; blocked: refused by the contact policy.
- reply rate: borrowers sent a lender-initiated message in the range who wrote back in the range
  after the first one, over the borrowers sent one.
- self-service rate: conversations with a borrower message in the range that had no handoff
  case opened in the range, over all such conversations.
- handoffs: cases opened in the range; waiting time is opened -> claimed.
- promises made (created in range), kept / broken (resolved in range); plans accepted / broken in
  the range, and plans current now.
- paid after contact: payments in the range by borrowers sent a (non-blocked) lender message
  before the payment, within the range or the 30 days before it.
- opt-out rate: borrowers who opted out in the range over borrowers contacted in the range.
- blocked by rule: blocked messages in the range per reason (one message may carry several).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, bindparam, case, distinct, exists, func, select, text
from sqlalchemy.orm import Session

from outreach.models import (
    AuditEvent,
    HandoffCase,
    Loan,
    Message,
    Payment,
    PaymentPlan,
    PromiseToPay,
)
from outreach.models.base import UTCDateTime

DELIVERED = ("delivered", "read")
FAILED = ("failed", "undelivered")
CONTACT_LOOKBACK = timedelta(days=30)


@dataclass(frozen=True)
class Range:
    start: datetime
    end: datetime  # exclusive

    @classmethod
    def of_dates(cls, first: date, last: date) -> Range:
        """Whole UTC days, ``last`` included."""
        return cls(
            datetime.combine(first, time(), UTC),
            datetime.combine(last + timedelta(days=1), time(), UTC),
        )


def _in(column: Any, rng: Range) -> Any:
    return and_(column >= rng.start, column < rng.end)


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _sent(rng: Range) -> Any:
    return and_(
        Message.direction == "out", Message.status != "blocked", _in(Message.created_at, rng)
    )


def messages_by_channel(session: Session, rng: Range) -> dict[str, dict[str, int]]:
    rows = session.execute(
        select(
            Message.channel,
            func.count().filter(Message.status != "blocked"),
            func.count().filter(Message.status.in_(DELIVERED)),
            func.count().filter(Message.status.in_(FAILED)),
            func.count().filter(Message.status == "blocked"),
        )
        .where(Message.direction == "out", _in(Message.created_at, rng))
        .group_by(Message.channel)
        .order_by(Message.channel)
    )
    return {ch: {"sent": s, "delivered": d, "failed": f, "blocked": b} for ch, s, d, f, b in rows}


def daily(session: Session, rng: Range) -> list[dict[str, Any]]:
    day = func.date(Message.created_at)
    rows = session.execute(
        select(
            day,
            func.count().filter(Message.status != "blocked"),
            func.count().filter(Message.status.in_(DELIVERED)),
            func.count().filter(Message.status.in_(FAILED)),
        )
        .where(Message.direction == "out", _in(Message.created_at, rng))
        .group_by(day)
        .order_by(day)
    )
    counts = {str(d): (s, dl, f) for d, s, dl, f in rows}
    # Every day of the range appears (quiet days as zeros), so the chart's time axis is honest.
    days = [rng.start.date() + timedelta(days=i) for i in range((rng.end - rng.start).days)]
    out = []
    for d in days:
        s, dl, f = counts.get(d.isoformat(), (0, 0, 0))
        out.append({"day": d.isoformat(), "sent": s, "delivered": dl, "failed": f})
    return out


def reply_rate(session: Session, rng: Range) -> dict[str, Any]:
    first = (
        select(Message.borrower_id.label("b"), func.min(Message.created_at).label("at"))
        .where(_sent(rng), Message.initiated_by == "lender", Message.borrower_id.is_not(None))
        .group_by(Message.borrower_id)
        .subquery()
    )
    inbound = Message.__table__.alias("reply")
    replied = exists().where(
        inbound.c.borrower_id == first.c.b,
        inbound.c.direction == "in",
        inbound.c.created_at > first.c.at,
        inbound.c.created_at < rng.end,
    )
    contacted, answered = session.execute(
        select(func.count(), func.count().filter(replied)).select_from(first)
    ).one()
    return {"contacted": contacted, "replied": answered, "rate": _ratio(answered, contacted)}


def self_service(session: Session, rng: Range) -> dict[str, Any]:
    active = (
        select(distinct(Message.conversation_id).label("c"))
        .where(
            Message.direction == "in",
            _in(Message.created_at, rng),
            Message.conversation_id.is_not(None),
        )
        .subquery()
    )
    # A handoff counts when it happened in the range: an old, closed case does not make this
    # range's bot-only conversation a handed-off one.
    handed = exists().where(
        HandoffCase.conversation_id == active.c.c, _in(HandoffCase.opened_at, rng)
    )
    total, with_handoff = session.execute(
        select(func.count(), func.count().filter(handed)).select_from(active)
    ).one()
    alone = total - with_handoff
    return {"conversations": total, "self_served": alone, "rate": _ratio(alone, total)}


def _seconds(session: Session, later: Any, earlier: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def handoffs(session: Session, rng: Range) -> dict[str, Any]:
    wait = _seconds(session, HandoffCase.claimed_at, HandoffCase.opened_at)
    opened, claimed, avg_wait, max_wait, waiting = session.execute(
        select(
            func.count(),
            func.count(HandoffCase.claimed_at),
            func.avg(wait),
            func.max(wait),
            func.count().filter(
                and_(HandoffCase.claimed_at.is_(None), HandoffCase.status == "open")
            ),
        ).where(_in(HandoffCase.opened_at, rng))
    ).one()
    return {
        "opened": opened,
        "claimed": claimed,
        "still_waiting": waiting,
        "avg_wait_seconds": round(float(avg_wait)) if avg_wait is not None else None,
        "max_wait_seconds": round(float(max_wait)) if max_wait is not None else None,
    }


def promises(session: Session, rng: Range) -> dict[str, Any]:
    made, amount = session.execute(
        select(func.count(), func.coalesce(func.sum(PromiseToPay.amount), 0)).where(
            _in(PromiseToPay.created_at, rng)
        )
    ).one()
    kept, broken = session.execute(
        select(
            func.count().filter(PromiseToPay.status == "kept"),
            func.count().filter(PromiseToPay.status == "broken"),
        ).where(_in(PromiseToPay.resolved_at, rng))
    ).one()
    return {"made": made, "amount_promised": Decimal(amount), "kept": kept, "broken": broken}


def plans(session: Session, rng: Range) -> dict[str, int]:
    accepted, broken = session.execute(
        select(
            func.count().filter(_in(PaymentPlan.accepted_at, rng)),
            func.count().filter(_in(PaymentPlan.broken_at, rng)),
        )
    ).one()
    current = session.scalar(select(func.count()).where(PaymentPlan.status == "current"))
    return {"accepted": accepted, "current": current or 0, "broken": broken}


def paid_after_contact(session: Session, rng: Range) -> dict[str, Decimal]:
    contacted = exists().where(
        Message.borrower_id == Loan.borrower_id,
        Message.direction == "out",
        Message.initiated_by == "lender",
        Message.status != "blocked",
        Message.created_at >= rng.start - CONTACT_LOOKBACK,
        Message.created_at <= Payment.paid_at,
    )
    total, after = session.execute(
        select(
            func.coalesce(func.sum(Payment.amount), 0),
            func.coalesce(func.sum(case((contacted, Payment.amount), else_=0)), 0),
        )
        .join(Loan, Loan.id == Payment.loan_id)
        .where(_in(Payment.paid_at, rng))
    ).one()
    return {
        "paid": Decimal(total).quantize(Decimal("0.01")),
        "paid_after_contact": Decimal(after).quantize(Decimal("0.01")),
    }


def opt_outs(session: Session, rng: Range, contacted: int) -> dict[str, Any]:
    count = session.scalar(
        select(func.count(distinct(AuditEvent.borrower_id))).where(
            AuditEvent.action == "consent.opt_out",
            AuditEvent.borrower_id.is_not(None),
            _in(AuditEvent.at, rng),
        )
    )
    return {"opted_out": count or 0, "rate": _ratio(count or 0, contacted)}


def blocked_by_rule(session: Session, rng: Range) -> dict[str, int]:
    # JSON arrays are expanded by the database itself (json_each / json_array_elements_text).
    if session.get_bind().dialect.name == "postgresql":
        sql = (
            "SELECT r.value, count(*) FROM messages m, "
            "json_array_elements_text(m.decision -> 'reasons') AS r(value) "
            "WHERE m.status = 'blocked' AND m.created_at >= :start AND m.created_at < :end "
            "AND json_typeof(m.decision -> 'reasons') = 'array' "
            "GROUP BY r.value ORDER BY count(*) DESC, r.value"
        )
    else:
        sql = (
            "SELECT r.value, count(*) FROM messages m, json_each(m.decision, '$.reasons') r "
            "WHERE m.status = 'blocked' AND m.created_at >= :start AND m.created_at < :end "
            "GROUP BY r.value ORDER BY count(*) DESC, r.value"
        )
    stmt = text(sql).bindparams(
        bindparam("start", type_=UTCDateTime()), bindparam("end", type_=UTCDateTime())
    )
    rows = session.execute(stmt, {"start": rng.start, "end": rng.end})
    return {str(reason): n for reason, n in rows}


def dashboard(session: Session, rng: Range) -> dict[str, Any]:
    """Every figure on the dashboard for ``rng``."""
    replies = reply_rate(session, rng)
    channels = messages_by_channel(session, rng)
    totals = {
        k: sum(c[k] for c in channels.values()) for k in ("sent", "delivered", "failed", "blocked")
    }
    return {
        "range": {"start": rng.start.isoformat(), "end": rng.end.isoformat()},
        "messages": {"by_channel": channels, "totals": totals, "daily": daily(session, rng)},
        "replies": replies,
        "self_service": self_service(session, rng),
        "handoffs": handoffs(session, rng),
        "promises": promises(session, rng),
        "plans": plans(session, rng),
        "payments": paid_after_contact(session, rng),
        "opt_outs": opt_outs(session, rng, replies["contacted"]),
        "blocked_by_rule": blocked_by_rule(session, rng),
    }
