"""The delivery job: every due delivery POSTed, at least once, in order per borrower.

``deliver(settings, now)`` (scheduler job id ``events``; ``flask --app wsgi events deliver``)
works by *stream*: a subscription's deliveries for one borrower, in the order of the borrower's
event sequence. Only a stream's head (its first pending delivery) is ever sent, so a borrower's
next event waits until the one before it is delivered or dead for that subscription; streams
go out side by side on ``settings.events_workers`` threads.

1. Claim heads: due (``next_attempt_at <= now``), subscription active, not held by a worker.
   A claim is a token and a hold (``claimed_until``, wall-clock seconds, ``events_lease_seconds``
   ahead) on the head row, so several worker processes never send one stream at once.
2. Each claimed stream runs in a thread, one delivery after the other: the POST (outside any
   transaction), then one transaction that stores the outcome *and* passes the hold to the
   stream's next delivery, so no other worker can slip in between two of a stream's events.
   A 2xx: delivered, on to the next. Anything else: retried after ``retry.backoff`` (the stream
   waits), or dead after ``retry.MAX_ATTEMPTS`` (the stream goes on without it).
3. More streams are claimed as threads free up, until no head is due at ``now``.

A worker killed mid-POST leaves its hold, which runs out after ``events_lease_seconds``: the
delivery is then sent again with the same ``webhook-id``. That is the only duplicate a receiver
can see, and it de-duplicates by that id.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from outreach import clock
from outreach.db import session_factory
from outreach.integrations.events import body_bytes
from outreach.integrations.webhooks.retry import MAX_ATTEMPTS, backoff
from outreach.integrations.webhooks.sender import Attempt, HttpSender, Sender
from outreach.models import Event, EventDelivery, EventSubscription
from outreach.settings import Settings

log = logging.getLogger(__name__)
# How many deliveries a thread sends on one stream before it lets the stream go (and claims
# again): a borrower with a long backlog does not hold a thread while other streams wait.
STREAM_RUN = 100


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
    """What every thread of one run shares."""

    sessions: sessionmaker[Session]
    sender: Sender
    now: datetime
    token: str
    lease: float
    rand: Callable[[], float]
    wall: Callable[[], float]

    def hold(self) -> float:
        return self.wall() + self.lease


def _free(wall_now: float):  # type: ignore[no-untyped-def]
    return or_(EventDelivery.claimed_until.is_(None), EventDelivery.claimed_until <= wall_now)


def _claim_heads(run: _Run, limit: int) -> list[int]:
    """Claim up to ``limit`` due stream heads; returns their delivery ids."""
    earlier = aliased(EventDelivery)
    before_it = exists().where(
        earlier.subscription_id == EventDelivery.subscription_id,
        earlier.stream == EventDelivery.stream,
        earlier.status == "pending",
        earlier.seq < EventDelivery.seq,
    )
    with run.sessions() as session:
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
            return []
        # Conditional: another worker may have claimed some of them since the select.
        session.execute(
            update(EventDelivery)
            .where(EventDelivery.id.in_(ids), EventDelivery.status == "pending", _free(wall_now))
            .values(claimed_until=run.hold(), claim_token=run.token)
        )
        session.commit()
        return list(
            session.scalars(
                select(EventDelivery.id).where(
                    EventDelivery.id.in_(ids), EventDelivery.claim_token == run.token
                )
            )
        )


def _claim_next(session: Session, run: _Run, done: EventDelivery) -> int | None:
    """Pass the hold to the stream's next pending delivery (in the caller's transaction)."""
    following = session.scalar(
        select(EventDelivery.id)
        .where(
            EventDelivery.subscription_id == done.subscription_id,
            EventDelivery.stream == done.stream,
            EventDelivery.status == "pending",
        )
        .order_by(EventDelivery.seq)
        .limit(1)
    )
    if following is None:
        return None
    taken = session.execute(
        update(EventDelivery)
        .where(
            EventDelivery.id == following,
            EventDelivery.status == "pending",
            EventDelivery.next_attempt_at <= run.now,
            _free(run.wall()),
        )
        .values(claimed_until=run.hold(), claim_token=run.token)
    ).rowcount
    return following if taken else None


def _post(run: _Run, sub: EventSubscription, delivery: EventDelivery, event: Event) -> Attempt:
    try:
        return run.sender.post(sub.url, sub.secret, delivery.webhook_id, body_bytes(event))
    except Exception as exc:  # a sender's bug must not stop the other streams
        log.exception("events: delivery %s: the sender raised", delivery.id)
        return Attempt(False, f"send failed ({type(exc).__name__})")


def _outcome(run: _Run, delivery: EventDelivery, attempt: Attempt) -> dict[str, object]:
    attempts = delivery.attempts + 1
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


def _run_stream(run: _Run, head: int) -> DeliveryReport:
    """Send one claimed stream, in order, until it is empty, waits for a retry, or has had
    ``STREAM_RUN`` deliveries."""
    report = DeliveryReport()
    current: int | None = head
    with run.sessions() as session:
        for _ in range(STREAM_RUN):
            if current is None:
                break
            row = session.execute(
                select(EventDelivery, Event, EventSubscription)
                .join(Event, Event.id == EventDelivery.event_id)
                .join(EventSubscription, EventSubscription.id == EventDelivery.subscription_id)
                .where(EventDelivery.id == current, EventDelivery.claim_token == run.token)
            ).one_or_none()
            if row is None:
                break  # the subscription was deleted, or our hold ran out and was taken
            delivery, event, sub = row
            if not sub.active:  # paused meanwhile: let the stream go untouched
                delivery.claimed_until, delivery.claim_token = None, None
                session.commit()
                break
            session.commit()  # no transaction stays open across the POST
            values = _outcome(run, delivery, _post(run, sub, delivery, event))
            stored = session.execute(
                update(EventDelivery)
                .where(EventDelivery.id == current, EventDelivery.claim_token == run.token)
                .values(**values)
            ).rowcount
            if not stored:
                session.rollback()
                break
            if values.get("status") == "delivered":
                report.delivered += 1
            elif values.get("status") == "dead":
                report.dead += 1
                log.warning("events: delivery %s dead after %s attempts", current, MAX_ATTEMPTS)
            else:
                report.retried += 1
                session.commit()
                break  # the stream waits for this one's retry
            current = _claim_next(session, run, delivery)
            session.commit()
            session.expire_all()
        else:
            if current is not None:  # a long stream: let it go, it is claimed again at once
                session.execute(
                    update(EventDelivery)
                    .where(EventDelivery.id == current, EventDelivery.claim_token == run.token)
                    .values(claimed_until=None, claim_token=None)
                )
                session.commit()
    return report


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
        sessions=session_factory(settings.database_url),
        sender=sender or shared_sender(settings.events_http_timeout_seconds, workers),
        now=now,
        token=uuid.uuid4().hex,
        lease=lease,
        rand=rand,
        wall=wall,
    )
    report = DeliveryReport()
    with ThreadPoolExecutor(workers, thread_name_prefix="events") as pool:
        running: set[Future[DeliveryReport]] = set()
        while True:
            if len(running) < workers:
                # Only as many as there are free threads: a claimed stream starts at once, so
                # its hold never runs out while it waits in a queue.
                for head in _claim_heads(run, workers - len(running)):
                    running.add(pool.submit(_run_stream, run, head))
                    report.streams += 1
            if not running:
                break
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                report.add(future.result())
    if report.streams:
        log.info("events: %s", report.as_dict())
    return report
