"""The delivery worker's bookkeeping (``outreach.integrations.webhooks.worker``): claiming
stream heads with their next deliveries read ahead, storing outcomes and passing a stream's
hold to its next delivery, renewing the holds of claimed streams that waited for a thread.

Only the worker's coordinating thread calls these, with its own session: one writer per run.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from outreach.events import body_bytes
from outreach.integrations.webhooks.retry import MAX_ATTEMPTS, backoff
from outreach.integrations.webhooks.sender import Attempt, Sender
from outreach.models import Event, EventDelivery, EventSubscription

log = logging.getLogger(__name__)
# How many of a stream's deliveries are read with its head (the stream is claimed again after
# them): a borrower with a long backlog costs one read per hundred deliveries.
STREAM_RUN = 100


@dataclass
class DeliveryReport:
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    streams: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class Run:
    """One run's settings and collaborators."""

    sender: Sender
    now: datetime
    token: str
    lease: float
    rand: Callable[[], float]
    wall: Callable[[], float]

    def hold(self) -> float:
        return self.wall() + self.lease


@dataclass
class Item:
    """One delivery read ahead: what its POST and its outcome need."""

    id: int
    webhook_id: str
    attempts: int
    body: bytes


@dataclass
class Stream:
    url: str
    secret: str
    held_at: float  # when our hold on its head was set (wall clock)
    items: deque[Item] = field(default_factory=deque)


def _free(wall_now: float):  # type: ignore[no-untyped-def]
    return or_(EventDelivery.claimed_until.is_(None), EventDelivery.claimed_until <= wall_now)


def claim_streams(session: Session, run: Run, limit: int) -> list[Stream]:
    """Claim up to ``limit`` due stream heads, each with its next deliveries read ahead."""
    earlier = aliased(EventDelivery)
    before_it = exists().where(
        earlier.subscription_id == EventDelivery.subscription_id,
        earlier.stream == EventDelivery.stream,
        earlier.status == "pending",
        earlier.seq < EventDelivery.seq,
    )
    wall_now = run.wall()
    ids = session.scalars(
        select(EventDelivery.id)
        .join(EventSubscription, EventSubscription.id == EventDelivery.subscription_id)
        .where(
            EventDelivery.status == "pending",
            EventSubscription.active.is_(True),
            EventDelivery.next_attempt_at <= run.now,
            _free(wall_now),
            ~before_it,
        )
        .order_by(EventDelivery.next_attempt_at, EventDelivery.id)
        .limit(limit)
    ).all()
    if not ids:
        session.commit()
        return []
    # Conditional: another worker may have claimed some of them since the select.
    session.execute(
        update(EventDelivery)
        .where(EventDelivery.id.in_(ids), EventDelivery.status == "pending", _free(wall_now))
        .values(claimed_until=run.hold(), claim_token=run.token)
    )
    session.commit()
    heads = session.execute(
        select(
            EventDelivery.subscription_id,
            EventDelivery.stream,
            EventDelivery.seq,
            EventSubscription.url,
            EventSubscription.secret,
        )
        .join(EventSubscription, EventSubscription.id == EventDelivery.subscription_id)
        .where(EventDelivery.id.in_(ids), EventDelivery.claim_token == run.token)
    ).all()
    streams = []
    for sub_id, stream_key, seq, url, secret in heads:
        stream = Stream(url, secret, wall_now)
        rows = session.execute(
            select(EventDelivery.id, EventDelivery.webhook_id, EventDelivery.attempts, Event)
            .join(Event, Event.id == EventDelivery.event_id)
            .where(
                EventDelivery.subscription_id == sub_id,
                EventDelivery.stream == stream_key,
                EventDelivery.status == "pending",
                EventDelivery.seq >= seq,
            )
            .order_by(EventDelivery.seq)
            .limit(STREAM_RUN)
        )
        stream.items.extend(Item(i, w, a, body_bytes(e)) for i, w, a, e in rows)
        streams.append(stream)
    session.commit()
    return streams


def outcome(run: Run, attempts_before: int, attempt: Attempt) -> dict[str, object]:
    attempts = attempts_before + 1
    values: dict[str, object] = {"attempts": attempts, "last_attempt_at": run.now}
    if attempt.ok:
        values.update(status="delivered", delivered_at=run.now)
    elif attempts >= MAX_ATTEMPTS:
        values.update(status="dead", last_error=(attempt.error or "")[:300])
    else:
        values.update(
            next_attempt_at=run.now + backoff(attempts, run.rand),
            last_error=(attempt.error or "")[:300],
        )
    values.update(claimed_until=None, claim_token=None)
    return values


def record(
    session: Session, run: Run, finished: list[tuple[Stream, Attempt]], report: DeliveryReport
) -> list[Stream]:
    """Store these outcomes and pass each stream's hold on, in one transaction; returns the
    streams whose next delivery may go now."""
    going_on = []
    for stream, attempt in finished:
        item = stream.items.popleft()
        values = outcome(run, item.attempts, attempt)
        stored = session.execute(
            update(EventDelivery)
            .where(EventDelivery.id == item.id, EventDelivery.claim_token == run.token)
            .values(**values)
        ).rowcount
        if not stored:
            continue  # the subscription was deleted, or our hold ran out and was taken
        status = values.get("status")
        if status == "delivered":
            report.delivered += 1
        elif status == "dead":
            report.dead += 1
            log.warning("events: delivery %s dead after %s attempts", item.id, MAX_ATTEMPTS)
        else:
            report.retried += 1
            continue  # the stream waits for this one's retry
        if not stream.items:
            continue  # read to its end: the stream is claimed afresh if more is pending
        held = session.execute(
            update(EventDelivery)
            .where(
                EventDelivery.id == stream.items[0].id,
                EventDelivery.status == "pending",
                EventDelivery.next_attempt_at <= run.now,
                _free(run.wall()),
            )
            .values(claimed_until=run.hold(), claim_token=run.token)
        ).rowcount
        if held:
            stream.held_at = run.wall()
            going_on.append(stream)
    session.commit()
    return going_on


def still_held(session: Session, run: Run, streams: list[Stream]) -> list[Stream]:
    """Streams claimed a while ago, about to start: their holds renewed, or dropped where the
    hold ran out and another worker took it."""
    old = [s for s in streams if run.wall() - s.held_at > run.lease / 2]
    if not old:
        return streams
    ids = [s.items[0].id for s in old]
    session.execute(
        update(EventDelivery)
        .where(EventDelivery.id.in_(ids), EventDelivery.claim_token == run.token)
        .values(claimed_until=run.hold())
    )
    ours = set(
        session.scalars(
            select(EventDelivery.id).where(
                EventDelivery.id.in_(ids), EventDelivery.claim_token == run.token
            )
        )
    )
    session.commit()
    for s in old:
        s.held_at = run.wall()
    return [s for s in streams if s not in old or s.items[0].id in ours]
