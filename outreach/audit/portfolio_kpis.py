"""Portfolio KPIs for a date range, from the daily loan snapshots (``outreach.audit.snapshots``).

Definitions (the page and the weekly report show them next to the figures):
- the range's *opening* state is the latest snapshot before its first day (else its first
  snapshot); its *closing* state the latest snapshot on or before its last day.
- roll rates: for each month of the range and the month before it, loans in both month-end
  snapshots (the last snapshot day of each month) counted by bucket then -> bucket now; the
  roll-forward rate of a bucket is the share that moved to a worse bucket.
- cure rate: loans in arrears (days past due > 0) at the opening with 0 days past due at the
  closing, over the loans in arrears at the opening.
- PAR30 / PAR90 (portfolio at risk, the microfinance measure): outstanding balance of loans more
  than 30 / 90 days past due over the outstanding balance of all open loans, at the closing,
  per currency (never added across currencies).
- recovery rate: payments received in the range on loans in arrears at the opening (each loan's
  capped at its arrears), over their past-due amount at the opening, per currency.
- right-party contact rate: borrowers sent a lender message (not blocked) in the range who passed
  the identity check in the range, over the borrowers sent one.
- cost per amount collected, per book currency: messages sent in the range to borrowers with a
  loan in that currency, by channel, x the channel's unit cost in that currency
  (``config/kpis.yaml``), over the amount paid in the range on loans in that currency.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session, aliased

from outreach.audit.kpi_config import KpiConfig
from outreach.audit.kpis import Range, _in, _ratio
from outreach.models import AuditEvent, Loan, LoanSnapshot, Message, Payment

CENT = Decimal("0.01")
OPEN = ("current", "delinquent")


def _latest_day(session: Session, on_or_before: date, before: bool = False) -> date | None:
    cond = LoanSnapshot.day < on_or_before if before else LoanSnapshot.day <= on_or_before
    return session.scalar(select(func.max(LoanSnapshot.day)).where(cond))


def bounds(session: Session, rng: Range) -> tuple[date | None, date | None]:
    """(opening snapshot day, closing snapshot day) of ``rng`` (see the module docstring)."""
    first, last = rng.start.date(), rng.end.date() - timedelta(days=1)
    closing = _latest_day(session, last)
    opening = _latest_day(session, first, before=True) or session.scalar(
        select(func.min(LoanSnapshot.day)).where(
            LoanSnapshot.day >= first, LoanSnapshot.day <= last
        )
    )
    return opening, closing


def _month_end(session: Session, year: int, month: int, cap: date) -> date | None:
    first = date(year, month, 1)
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return session.scalar(
        select(func.max(LoanSnapshot.day)).where(
            LoanSnapshot.day >= first, LoanSnapshot.day < nxt, LoanSnapshot.day <= cap
        )
    )


def roll_rates(session: Session, rng: Range, config: KpiConfig) -> list[dict[str, Any]]:
    """One entry per month of the range that has a month-end snapshot and one the month before."""
    last = rng.end.date() - timedelta(days=1)
    months, y, m = [], rng.start.year, rng.start.month
    while (y, m) <= (last.year, last.month):
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    out = []
    labels = config.bucket_labels()
    for y, m in months:
        py, pm = (y - 1, 12) if m == 1 else (y, m - 1)
        then, now = _month_end(session, py, pm, last), _month_end(session, y, m, last)
        if then is None or now is None:
            continue
        a, b = aliased(LoanSnapshot), aliased(LoanSnapshot)
        # Grouped by the raw days past due (portable: no bound labels in GROUP BY), bucketed here.
        rows = session.execute(
            select(a.days_past_due, b.days_past_due, func.count())
            .join(b, and_(b.loan_id == a.loan_id, b.day == now))
            .where(a.day == then)
            .group_by(a.days_past_due, b.days_past_due)
        ).all()
        matrix = {f: dict.fromkeys(labels, 0) for f in labels}
        for f, t, n in rows:
            matrix[config.bucket(f)][config.bucket(t)] += n
        forward = {}
        for i, f in enumerate(labels):
            total = sum(matrix[f].values())
            worse = sum(matrix[f][t] for t in labels[i + 1 :])
            forward[f] = _ratio(worse, total)
        out.append(
            {
                "from": then.isoformat(),
                "to": now.isoformat(),
                "month": f"{y:04d}-{m:02d}",
                "matrix": matrix,
                "roll_forward": forward,
            }
        )
    return out


def cure_rate(session: Session, opening: date | None, closing: date | None) -> dict[str, Any]:
    if opening is None or closing is None:
        return {"in_arrears": 0, "cured": 0, "rate": None}
    a, b = aliased(LoanSnapshot), aliased(LoanSnapshot)
    cured = exists().where(b.loan_id == a.loan_id, b.day == closing, b.days_past_due == 0)
    total, n = session.execute(
        select(func.count(), func.count().filter(cured)).where(
            a.day == opening, a.days_past_due > 0
        )
    ).one()
    return {"in_arrears": total, "cured": n, "rate": _ratio(n, total)}


def _cents(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def par(session: Session, closing: date | None) -> dict[str, dict[str, Any]]:
    if closing is None:
        return {}
    s = LoanSnapshot
    rows = session.execute(
        select(
            s.currency,
            func.sum(s.outstanding),
            func.sum(case((s.days_past_due > 30, s.outstanding), else_=0)),
            func.sum(case((s.days_past_due > 90, s.outstanding), else_=0)),
        )
        .where(s.day == closing, s.status.in_(OPEN), s.outstanding > 0)
        .group_by(s.currency)
        .order_by(s.currency)
    ).all()
    out = {}
    for currency, total, r30, r90 in rows:
        total, r30, r90 = _cents(total), _cents(r30), _cents(r90)
        out[currency] = {
            "outstanding": total,
            "at_risk_30": r30,
            "at_risk_90": r90,
            "par30": round(float(r30 / total), 4) if total else None,
            "par90": round(float(r90 / total), 4) if total else None,
        }
    return out


def recovery_rate(session: Session, rng: Range, opening: date | None) -> dict[str, dict[str, Any]]:
    if opening is None:
        return {}
    s = LoanSnapshot
    paid = (
        select(func.coalesce(func.sum(Payment.amount), 0))
        .where(Payment.loan_id == s.loan_id, _in(Payment.paid_at, rng))
        .scalar_subquery()
    )
    # A loan recovers at most its arrears: a payment beyond them is not recovery of those.
    capped = case((paid > s.past_due_amount, s.past_due_amount), else_=paid)
    rows = session.execute(
        select(s.currency, func.sum(s.past_due_amount), func.sum(capped))
        .where(s.day == opening, s.days_past_due > 0)
        .group_by(s.currency)
        .order_by(s.currency)
    ).all()
    out = {}
    for currency, arrears, recovered in rows:
        arrears, recovered = _cents(arrears), _cents(recovered)
        out[currency] = {
            "arrears": arrears,
            "recovered": recovered,
            "rate": round(float(recovered / arrears), 4) if arrears else None,
        }
    return out


def right_party_contact(session: Session, rng: Range) -> dict[str, Any]:
    contacted = (
        select(Message.borrower_id.label("b"))
        .where(
            Message.direction == "out",
            Message.initiated_by == "lender",
            Message.status != "blocked",
            Message.borrower_id.is_not(None),
            _in(Message.created_at, rng),
        )
        .distinct()
        .subquery()
    )
    reached = exists().where(
        AuditEvent.borrower_id == contacted.c.b,
        AuditEvent.action == "identity.verified",
        _in(AuditEvent.at, rng),
    )
    total, n = session.execute(
        select(func.count(), func.count().filter(reached)).select_from(contacted)
    ).one()
    return {"contacted": total, "right_party": n, "rate": _ratio(n, total)}


def cost_per_collected(session: Session, rng: Range, config: KpiConfig) -> dict[str, Any]:
    """Per book currency: messages sent to borrowers with a loan in it, by channel, x that
    currency's unit costs, over the amount paid in it (currencies are never mixed)."""
    book = select(Loan.borrower_id.label("b"), Loan.currency.label("cur")).distinct().subquery()
    rows = session.execute(
        select(book.c.cur, Message.channel, func.count())
        .join(book, book.c.b == Message.borrower_id)
        .where(
            Message.direction == "out", Message.status != "blocked", _in(Message.created_at, rng)
        )
        .group_by(book.c.cur, Message.channel)
        .order_by(book.c.cur, Message.channel)
    ).all()
    paid = dict(
        session.execute(
            select(Loan.currency, func.sum(Payment.amount))
            .join(Loan, Loan.id == Payment.loan_id)
            .where(_in(Payment.paid_at, rng))
            .group_by(Loan.currency)
        ).all()
    )
    out: dict[str, dict[str, Any]] = {}
    for currency in sorted({r[0] for r in rows} | set(paid)):
        units = config.message_costs.get(currency)
        entry: dict[str, Any] = {
            "configured": units is not None,
            "by_channel": {},
            "cost": Decimal("0.0000"),
            "collected": _cents(paid.get(currency)),
        }
        for cur, channel, n in rows:
            if cur != currency:
                continue
            unit = (units or {}).get(channel, Decimal("0"))
            cost = (unit * n).quantize(Decimal("0.0001"))
            entry["by_channel"][channel] = {"messages": n, "unit_cost": unit, "cost": cost}
            entry["cost"] += cost
        entry["per_unit"] = (
            (entry["cost"] / entry["collected"]).quantize(Decimal("0.0001"))
            if units is not None and entry["collected"]
            else None
        )
        out[currency] = entry
    return out


def buckets_now(session: Session, closing: date | None, config: KpiConfig) -> dict[str, int]:
    """Loans per bucket at the closing snapshot (the chart of the book's shape)."""
    counts: dict[str, int] = defaultdict(int, dict.fromkeys(config.bucket_labels(), 0))
    if closing is None:
        return dict(counts)
    for dpd, n in session.execute(
        select(LoanSnapshot.days_past_due, func.count())
        .where(LoanSnapshot.day == closing, LoanSnapshot.status.in_(OPEN))
        .group_by(LoanSnapshot.days_past_due)
    ):
        counts[config.bucket(dpd)] += n
    return dict(counts)


def portfolio(session: Session, rng: Range, config: KpiConfig) -> dict[str, Any]:
    """Every portfolio figure for ``rng``."""
    opening, closing = bounds(session, rng)
    return {
        "range": {"start": rng.start.isoformat(), "end": rng.end.isoformat()},
        "opening": opening.isoformat() if opening else None,
        "closing": closing.isoformat() if closing else None,
        "buckets": buckets_now(session, closing, config),
        "roll_rates": roll_rates(session, rng, config),
        "cure": cure_rate(session, opening, closing),
        "par": par(session, closing),
        "recovery": recovery_rate(session, rng, opening),
        "right_party_contact": right_party_contact(session, rng),
        "cost": cost_per_collected(session, rng, config),
    }
