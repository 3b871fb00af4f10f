"""Per-sender rate limits shared by every dispatcher process: send slots reserved in the database.

``rate_limits`` in config/campaigns.yaml are messages per second per sender (key ``channel`` or
``channel:from-address``; a US long code sends about one SMS a second, a short code far more).
When a dispatcher has decided a chunk, it reserves one slot per message from the sender's row in
``send_rate_slots``, in the same transaction that logs the messages: one locked read and one
update per sender and chunk, so two dispatchers (or ten, on several hosts) never hand out the same
second twice. A worker thread waits for its message's slot before the provider call.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from outreach import clock
from outreach.models import SendRateSlot
from outreach.settings import Settings


def sender_key(settings: Settings, channel: str) -> str:
    """``channel:from-address``: the unit a provider rate-limits."""
    sender = {
        "sms": settings.twilio_sms_from,
        "whatsapp": settings.twilio_whatsapp_from,
        "email": settings.mail_from,
    }.get(channel)
    return f"{channel}:{sender or ''}"


def reserve_slots(
    session: Session, settings: Settings, rates: dict[str, float], channels: list[str]
) -> list[float | None]:
    """A send time (Unix seconds) for each message in ``channels`` order; None where the
    channel has no limit. Call inside the transaction that logs the messages."""
    now = clock.unix_seconds()
    first: dict[str, float] = {}
    interval: dict[str, float] = {}
    for channel, count in Counter(channels).items():
        key = sender_key(settings, channel)
        rate = rates.get(key) or rates.get(channel)
        if rate:
            interval[channel] = 1.0 / rate
            first[channel] = _take(session, key, count * interval[channel], now)
    taken: Counter[str] = Counter()
    slots: list[float | None] = []
    for channel in channels:
        if channel not in first:
            slots.append(None)
            continue
        slots.append(first[channel] + taken[channel] * interval[channel])
        taken[channel] += 1
    return slots


def _take(session: Session, key: str, span: float, now: float) -> float:
    """Reserve ``span`` seconds of the sender's time; returns when the reservation starts."""
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        module = postgresql if dialect == "postgresql" else sqlite
        session.execute(
            module.insert(SendRateSlot).values(key=key, next_free=0.0).on_conflict_do_nothing()
        )
    elif session.get(SendRateSlot, key) is None:
        session.execute(insert(SendRateSlot).values(key=key, next_free=0.0))
    # FOR UPDATE: concurrent dispatchers queue here (SQLite: the transaction already holds the
    # write lock, BEGIN IMMEDIATE) until this one commits its reservation.
    next_free = session.scalar(
        select(SendRateSlot.next_free).where(SendRateSlot.key == key).with_for_update()
    )
    start = max(now, next_free or 0.0)
    session.execute(
        update(SendRateSlot).where(SendRateSlot.key == key).values(next_free=start + span)
    )
    return start
