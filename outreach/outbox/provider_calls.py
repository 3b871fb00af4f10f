"""Step 2 of a batch (``outreach.outbox.batch``): the provider call for each logged message.

Runs on the dispatcher's worker threads and touches no database, so provider latency is hidden
behind the next chunk's preparation. Each call waits for its send slot (the sender's rate limit,
``outreach.outbox.send_rate``); a worker that reaches a message too late sends it back for a new
slot (``SlotMissed``, ``reslot``) instead of letting late messages bunch up with punctual ones.
"""

from __future__ import annotations

import time

from sqlalchemy.orm import Session

from outreach import clock
from outreach.campaigns.config import CampaignConfig
from outreach.channels import Channels, SendResult
from outreach.instruments import PROVIDER_SECONDS
from outreach.messaging.send import status_callback_url
from outreach.outbox.jobs import SendJob
from outreach.outbox.send_rate import reserve_slots
from outreach.settings import Settings

# A message may leave at most this long after its send slot, so in any second a sender carries at
# most limit x (1 + 0.05) + 1 messages; later than that it takes a new slot (a few times at most,
# then it goes: an overloaded machine must not hold a message back forever).
LATE_TOLERANCE = 0.05
MAX_RESLOTS = 5


class SlotMissed(Exception):
    """The worker reached the message after its send slot had passed (the workers were busy):
    it must not go now, or a second would carry more than the sender's limit; see ``reslot``."""


def send(channels: Channels, settings: Settings, job: SendJob) -> SendResult | Exception:
    """The provider call for one job (on a worker thread; touches no database), inside its
    reserved send slot. Errors are returned, not raised, so the dispatcher records every
    outcome; ``SlotMissed`` sends the job back for a new slot."""
    msg = job.message
    try:
        if job.slot is not None:
            # Never before the slot, and never so long after it that late messages bunch up
            # with punctual ones.
            if (wait := job.slot - clock.unix_seconds()) > 0:
                time.sleep(wait)
            if clock.unix_seconds() - job.slot > LATE_TOLERANCE and job.reslots < MAX_RESLOTS:
                return SlotMissed()
        started, outcome = time.perf_counter(), "error"
        try:
            result = channels.get(msg.channel).send(
                msg.address,
                msg.body,
                status_callback=status_callback_url(settings, msg.channel),
                **job.kwargs,
            )
            outcome = "ok"
            return result
        finally:  # /metrics: provider latency, errors included (they can be the slow ones)
            PROVIDER_SECONDS.labels(msg.channel, outcome).observe(time.perf_counter() - started)
    except Exception as exc:
        return exc


def reslot(
    session: Session, settings: Settings, config: CampaignConfig, jobs: list[SendJob]
) -> None:
    """New send slots for jobs that missed theirs (the message rows stay ``sending``)."""
    slots = reserve_slots(session, settings, config.rate_limits, [j.message.channel for j in jobs])
    session.commit()
    for job, slot in zip(jobs, slots, strict=True):
        job.slot, job.reslots = slot, job.reslots + 1
