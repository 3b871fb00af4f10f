"""The delivery job: every due delivery POSTed, at least once, in order per borrower.

``deliver(settings, now)`` (scheduler job id ``events``; ``flask --app wsgi events deliver``)
works by *stream*: a subscription's deliveries for one borrower, in the order of the borrower's
event sequence. Only a stream's head (its first pending delivery) is ever sent, so a borrower's
next event waits until the one before it is delivered or dead for that subscription; up to
``settings.events_workers`` streams have a POST in flight at once.

1. Claim heads: due (``next_attempt_at <= now``), subscription active, not held by a worker.
   A claim is a token and a hold (``claimed_until``, wall-clock seconds, ``events_lease_seconds``
   ahead) on the head row, so several worker processes never send one stream at once. The
   stream's next deliveries (up to ``STREAM_RUN``) are read with it.
2. The POSTs run on worker threads, outside any transaction; only this thread writes. Each
   outcome is stored, and the hold passed to the stream's next delivery, in one transaction
   (with the other outcomes that came in meanwhile), committed *before* that next delivery is
   sent, so no other worker can slip in between two of a stream's events and a restart never
   resends an earlier event after a later one. A 2xx: delivered, on to the next. Anything else:
   retried after ``retry.backoff`` (the stream waits), or dead after ``retry.MAX_ATTEMPTS`` (the
   stream goes on without it).
3. More streams are claimed as POSTs free up, until no head is due at ``now``.

A worker killed mid-POST leaves its hold, which runs out after ``events_lease_seconds``: the
delivery is then sent again with the same ``webhook-id``. That is the only duplicate a receiver
can see, and it de-duplicates by that id.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from outreach import clock
from outreach.db import session_factory
from outreach.integrations.events import body_bytes
from outreach.integrations.webhooks.retry import MAX_ATTEMPTS, backoff
from outreach.integrations.webhooks.sender import Attempt, HttpSender, Sender
from outreach.models import Event, EventDelivery, EventSubscription
from outreach.settings import Settings

log = logging.getLogger(__name__)
# How many of a stream's deliveries are read with its head (the stream is claimed again after
# them): a borrower with a long backlog costs one read per hundred deliveries.
STREAM_RUN = 100
# Streams claimed at once per worker thread: the claim scans the pending deliveries, so it is
# made for several threads' worth (those waiting have their hold renewed before they start).
CLAIM_PER_WORKER = 4


@dataclass
class DeliveryReport:
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    streams: int = 0

    def add(self, other: DeliveryReport) -> None:
        self.delivered += other.delivered
        self.retried += other.retried
        self.dead += other.dead

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@lru_cache(maxsize=4)
def shared_sender(timeout_seconds: float, pool_size: int) -> HttpSender:
    """One pooled sender per process and setting: the scheduler's runs reuse its connections."""
    return HttpSender(timeout_seconds, pool_size)


@dataclass
class _Run:
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
class _Item:
    """One delivery read ahead: what its POST and its outcome need."""

    id: int
    webhook_id: str
    attempts: int
    body: bytes


@dataclass
class _Stream:
    url: str
    secret: str
    held_at: float  # when our hold on its head was set (wall clock)
    items: deque[_Item] = field(default_factory=deque)


def _free(wall_now: float):  # type: ignore[no-untyped-def]
    return or_(EventDelivery.claimed_until.is_(None), EventDelivery.claimed_until <= wall_now)


def _claim_streams(session: Session, run: _Run, limit: int) -> list[_Stream]:
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
        stream = _Stream(url, secret, wall_now)
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
        stream.items.extend(_Item(i, w, a, body_bytes(e)) for i, w, a, e in rows)
        streams.append(stream)
    session.commit()
    return streams


def _post(sender: Sender, stream: _Stream) -> Attempt:
    item = stream.items[0]
    try:
        return sender.post(stream.url, stream.secret, item.webhook_id, item.body)
    except Exception as exc:  # a sender's bug must not stop the other streams
        log.exception("events: delivery %s: the sender raised", item.id)
        return Attempt(False, f"send failed ({type(exc).__name__})")


def _outcome(run: _Run, attempts_before: int, attempt: Attempt) -> dict[str, object]:
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


def _record(
    session: Session, run: _Run, finished: list[tuple[_Stream, Attempt]], report: DeliveryReport
) -> list[_Stream]:
    """Store these outcomes and pass each stream's hold on, in one transaction; returns the
    streams whose next delivery may go now."""
    going_on = []
    for stream, attempt in finished:
        item = stream.items.popleft()
        values = _outcome(run, item.attempts, attempt)
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


def _still_held(session: Session, run: _Run, streams: list[_Stream]) -> list[_Stream]:
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


def deliver(
    settings: Settings,
    now: datetime,
    *,
    sender: Sender | None = None,
    rand: Callable[[], float] = random.random,
    wall: Callable[[], float] = clock.unix_seconds,
    workers: int | None = None,
) -> DeliveryReport:
    """Deliver everything due at ``now`` (see the module docstring). ``sender``, ``rand`` (the
    jitter) and ``wall`` (the clock holds are measured on) are injectable for tests."""
    workers = workers or settings.events_workers
    # A hold must outlast one POST (it is renewed at each delivery of a stream).
    lease = max(float(settings.events_lease_seconds), 3 * settings.events_http_timeout_seconds)
    run = _Run(
        sender=sender or shared_sender(settings.events_http_timeout_seconds, workers),
        now=now,
        token=uuid.uuid4().hex,
        lease=lease,
        rand=rand,
        wall=wall,
    )
    report = DeliveryReport()
    in_flight: dict[Future[Attempt], _Stream] = {}
    ready: deque[_Stream] = deque()  # claimed, waiting for a free thread
    may_claim = True  # heads may be waiting: at the start, and whenever a stream lets go
    batch = CLAIM_PER_WORKER * workers
    with (
        session_factory(settings.database_url)() as session,
        ThreadPoolExecutor(workers, thread_name_prefix="events") as pool,
    ):
        while True:
            free = workers - len(in_flight)
            if free > 0 and not ready and may_claim:
                # One claim (a scan of the pending deliveries) for several threads' worth.
                claimed = _claim_streams(session, run, batch)
                ready.extend(claimed)
                report.streams += len(claimed)
                may_claim = len(claimed) == batch  # fewer: none left until a stream lets go
            starting = [ready.popleft() for _ in range(min(free, len(ready)))]
            for stream in _still_held(session, run, starting):
                in_flight[pool.submit(_post, run.sender, stream)] = stream
            if not in_flight:
                if ready or may_claim:
                    continue
                break
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            finished = [(in_flight.pop(future), future.result()) for future in done]
            going_on = _record(session, run, finished, report)
            may_claim = may_claim or len(going_on) < len(finished)
            for stream in going_on:
                in_flight[pool.submit(_post, run.sender, stream)] = stream
    if report.streams:
        log.info("events: %s", report.as_dict())
    return report
