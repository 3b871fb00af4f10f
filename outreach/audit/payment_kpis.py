"""KPIs of the payments taken through the product (issue 14), for the dashboard's date range.

Definitions (the dashboard shows them next to the figures):
- collected through the product: provider payments applied to a loan (``provider_payments``
  status ``applied``, a parked one once a supervisor matched it) received in the range, summed
  per currency (amounts in different currencies are never added together); parked and refunded
  ones are not collected.
- by provider: the provider that reported it (``stripe``, ``mpesa``, ``razorpay``; ``sandbox``
  in demo mode).
- by channel: the channel of the conversation that asked for the payment (the pay link or prompt
  named it), else the channel of the last message sent to the borrower (outbound, not blocked)
  before the payment, else ``direct`` (the borrower paid with no message from us before it).
- time from reminder to payment: for each such payment, the time since the last reminder sent
  on that loan before it (a scheduler message, outbound, not blocked); median and 90th
  percentile by linear interpolation between the closest ranks (PostgreSQL's
  ``percentile_cont``). Payments with no reminder before them are counted apart.

Each figure is one query; the percentiles are taken in Python from that query's durations
(SQLite has no percentile function).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, literal, select
from sqlalchemy.orm import Session

from outreach.audit.kpis import Range
from outreach.models import Conversation, Loan, Message, ProviderPayment

DIRECT = "direct"
CENT = Decimal("0.01")


def _applied_in(rng: Range) -> Any:
    return and_(
        ProviderPayment.status == "applied",
        ProviderPayment.loan_id.is_not(None),
        ProviderPayment.received_at >= rng.start,
        ProviderPayment.received_at < rng.end,
    )


def _channel() -> Any:
    """The payment's channel (see the module docstring), as one SQL expression."""
    asked = (
        select(Conversation.channel)
        .where(
            Conversation.id == ProviderPayment.conversation_id,
            Conversation.borrower_id == Loan.borrower_id,  # never another borrower's thread
        )
        .scalar_subquery()
    )
    last_sent = (
        select(Message.channel)
        .where(
            Message.borrower_id == Loan.borrower_id,
            Message.direction == "out",
            Message.status != "blocked",
            Message.created_at < ProviderPayment.received_at,
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(asked, last_sent, literal(DIRECT))


def collected(session: Session, rng: Range) -> dict[str, Any]:
    """``{"payments": n, "total": {currency: amount}, "by_provider": {provider: {currency:
    amount}}, "by_channel": {channel: {currency: amount}}}``, amounts as Decimal in cents."""
    channel = _channel().label("channel")
    rows = session.execute(
        select(
            ProviderPayment.provider,
            channel,
            ProviderPayment.currency,
            func.count(),
            func.sum(ProviderPayment.amount),
        )
        .join(Loan, Loan.id == ProviderPayment.loan_id)
        .where(_applied_in(rng))
        .group_by(ProviderPayment.provider, channel, ProviderPayment.currency)
    ).all()
    total: dict[str, Decimal] = defaultdict(Decimal)
    by_provider: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    by_channel: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    count = 0
    for provider, ch, currency, n, amount in rows:
        amount = Decimal(amount).quantize(CENT)
        count += n
        total[currency] += amount
        by_provider[provider][currency] += amount
        by_channel[ch][currency] += amount

    def plain(table: dict[str, dict[str, Decimal]]) -> dict[str, dict[str, Decimal]]:
        return {k: dict(sorted(v.items())) for k, v in sorted(table.items())}

    return {
        "payments": count,
        "total": dict(sorted(total.items())),
        "by_provider": plain(by_provider),
        "by_channel": plain(by_channel),
    }


def percentile(values: list[float], fraction: float) -> float | None:
    """The ``fraction`` percentile of ``values`` interpolated between the closest ranks (as
    PostgreSQL's ``percentile_cont``); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def reminder_to_payment(session: Session, rng: Range) -> dict[str, Any]:
    """``{"payments": n with a reminder before, "without_reminder": m, "median_seconds",
    "p90_seconds"}`` (seconds rounded; None when no payment had a reminder before it)."""
    last_reminder = (
        select(func.max(Message.created_at))
        .where(
            Message.loan_id == ProviderPayment.loan_id,
            Message.sender == "scheduler",
            Message.direction == "out",
            Message.status != "blocked",
            Message.created_at < ProviderPayment.received_at,
        )
        .scalar_subquery()
    )
    rows = session.execute(
        select(ProviderPayment.received_at, last_reminder).where(_applied_in(rng))
    ).all()
    waits = [_seconds(paid, sent) for paid, sent in rows if sent is not None]
    median, p90 = percentile(waits, 0.5), percentile(waits, 0.9)
    return {
        "payments": len(waits),
        "without_reminder": len(rows) - len(waits),
        "median_seconds": round(median) if median is not None else None,
        "p90_seconds": round(p90) if p90 is not None else None,
    }


def _seconds(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds()


def figures(session: Session, rng: Range) -> dict[str, Any]:
    """The payment figures of the dashboard for ``rng``."""
    return {
        "collected": collected(session, rng),
        "reminder_to_payment": reminder_to_payment(session, rng),
    }
