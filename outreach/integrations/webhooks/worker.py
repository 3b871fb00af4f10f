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
from datetime import datetime
from functools import lru_cache

from outreach import clock
from outreach.db import session_factory
from outreach.integrations.webhooks.sender import Attempt, HttpSender, Sender
from outreach.integrations.webhooks.streams import (
    DeliveryReport,
    Run,
    Stream,
    claim_streams,
    record,
    still_held,
)
from outreach.settings import Settings

log = logging.getLogger(__name__)
# Streams claimed at once per worker thread: the claim scans the pending deliveries, so it is
# made for several threads' worth (those waiting have their hold renewed before they start).
CLAIM_PER_WORKER = 4


@lru_cache(maxsize=4)
def shared_sender(timeout_seconds: float, pool_size: int) -> HttpSender:
    """One pooled sender per process and setting: the scheduler's runs reuse its connections."""
    return HttpSender(timeout_seconds, pool_size)


def _post(sender: Sender, stream: Stream) -> Attempt:
    item = stream.items[0]
    try:
        return sender.post(stream.url, stream.secret, item.webhook_id, item.body)
    except Exception as exc:  # a sender's bug must not stop the other streams
        log.exception("events: delivery %s: the sender raised", item.id)
        return Attempt(False, f"send failed ({type(exc).__name__})")


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
    run = Run(
        sender=sender or shared_sender(settings.events_http_timeout_seconds, workers),
        now=now,
        token=uuid.uuid4().hex,
        lease=lease,
        rand=rand,
        wall=wall,
    )
    report = DeliveryReport()
    in_flight: dict[Future[Attempt], Stream] = {}
    ready: deque[Stream] = deque()  # claimed, waiting for a free thread
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
                claimed = claim_streams(session, run, batch)
                ready.extend(claimed)
                report.streams += len(claimed)
                may_claim = len(claimed) == batch  # fewer: none left until a stream lets go
            starting = [ready.popleft() for _ in range(min(free, len(ready)))]
            for stream in still_held(session, run, starting):
                in_flight[pool.submit(_post, run.sender, stream)] = stream
            if not in_flight:
                if ready or may_claim:
                    continue
                break
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            finished = [(in_flight.pop(future), future.result()) for future in done]
            going_on = record(session, run, finished, report)
            may_claim = may_claim or len(going_on) < len(finished)
            for stream in going_on:
                in_flight[pool.submit(_post, run.sender, stream)] = stream
    if report.streams:
        log.info("events: %s", report.as_dict())
    return report
