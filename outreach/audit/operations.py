"""The figures ``/metrics`` computes from the database at scrape time (issue 19: operations).

Counting rows at scrape time is exact across any number of web workers, dispatchers and machines
(nothing is kept in a process that a restart would lose), and sends and blocks are read from the
message log itself, so a metric can never disagree with what auditors see. Only numbers leave
this module: channels, statuses and policy reasons are fixed vocabularies, never personal data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from outreach.models import (
    BotTurn,
    EventDelivery,
    FineractHook,
    HandoffCase,
    Message,
    OutboxItem,
    SchedulerLease,
    StkRequest,
)

# Bot-turn latency buckets in milliseconds (the histogram's ``le`` in seconds = these / 1000).
BOT_TURN_BUCKETS_MS = (100, 250, 500, 1000, 2000, 5000, 10000, 15000, 30000)


@dataclass
class Operations:
    """One scrape's figures."""

    outbox_by_status: dict[str, int] = field(default_factory=dict)
    messages_out: dict[tuple[str, str], int] = field(default_factory=dict)  # (channel, status)
    blocked_by_reason: dict[str, int] = field(default_factory=dict)
    inbound_by_channel: dict[str, int] = field(default_factory=dict)
    bot_turn_buckets: list[tuple[float, int]] = field(default_factory=list)  # (le seconds, n)
    bot_turn_count: int = 0
    bot_turn_sum_seconds: float = 0.0
    bot_turn_errors: int = 0
    events_pending: int = 0
    callbacks_pending: dict[str, int] = field(default_factory=dict)
    handoffs_open: int = 0
    leader: tuple[str, int] | None = None  # (host, pid) of the scheduler leader


def _blocked_reasons(session: Session) -> dict[str, int]:
    """Blocked outbound messages by each policy reason in their decision (one message with two
    reasons counts under both)."""
    if session.get_bind().dialect.name == "postgresql":
        query = text(
            "SELECT r, count(*) FROM messages, "
            "json_array_elements_text(messages.decision -> 'reasons') AS r "
            "WHERE direction = 'out' AND status = 'blocked' GROUP BY r"
        )
    else:
        query = text(
            "SELECT j.value, count(*) FROM messages, json_each(messages.decision, '$.reasons') j "
            "WHERE direction = 'out' AND status = 'blocked' GROUP BY j.value"
        )
    return {str(reason): int(n) for reason, n in session.execute(query)}


def collect(session: Session, now: datetime) -> Operations:
    """Read every figure once, at ``now``."""
    ops = Operations()
    ops.outbox_by_status = dict(
        session.execute(select(OutboxItem.status, func.count()).group_by(OutboxItem.status)).all()
    )
    out = session.execute(
        select(Message.channel, Message.status, func.count())
        .where(Message.direction == "out")
        .group_by(Message.channel, Message.status)
    )
    ops.messages_out = {(ch, st): n for ch, st, n in out}
    ops.blocked_by_reason = _blocked_reasons(session)
    ops.inbound_by_channel = dict(
        session.execute(
            select(Message.channel, func.count())
            .where(Message.direction == "in")
            .group_by(Message.channel)
        ).all()
    )
    counts = [
        func.count(BotTurn.id).filter(BotTurn.latency_ms <= edge) for edge in BOT_TURN_BUCKETS_MS
    ]
    row = session.execute(
        select(
            func.count(BotTurn.id).filter(BotTurn.latency_ms.is_not(None)),
            func.coalesce(func.sum(BotTurn.latency_ms), 0),
            func.count(BotTurn.id).filter(BotTurn.error.is_not(None)),
            *counts,
        )
    ).one()
    ops.bot_turn_count, ops.bot_turn_errors = int(row[0]), int(row[2])
    ops.bot_turn_sum_seconds = float(row[1]) / 1000
    ops.bot_turn_buckets = [
        (edge / 1000, int(n)) for edge, n in zip(BOT_TURN_BUCKETS_MS, row[3:], strict=True)
    ]
    ops.events_pending = session.scalar(
        select(func.count(EventDelivery.id)).where(EventDelivery.status == "pending")
    )
    ops.callbacks_pending = {
        # M-Pesa prompts still waiting for Daraja's result callback
        "mpesa_stk": session.scalar(
            select(func.count(StkRequest.id)).where(StkRequest.status == "pending")
        ),
        # Fineract hooks stored but not acted on yet
        "fineract": session.scalar(
            select(func.count(FineractHook.id)).where(FineractHook.status == "pending")
        ),
    }
    ops.handoffs_open = session.scalar(
        select(func.count(HandoffCase.id)).where(HandoffCase.status == "open")
    )
    lease = session.get(SchedulerLease, "scheduler")
    if lease is not None and lease.expires_at > now:
        ops.leader = (lease.host, lease.pid)
    return ops
