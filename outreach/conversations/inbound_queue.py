"""The inbound queue (table ``inbound_jobs``): stored messages whose routing is still to run.

Issue 19: Twilio gives up on a webhook after 15 seconds, and a reply blast brings thousands of
messages in minutes; a webhook that waited for Rasa stalled. Now the webhook writes the verified
message as a job (``accept``: one insert, one commit) and answers at once; the inbound worker
(``inbound_worker``) logs it (``inbound.store_inbound``, with the instant Twilio delivered it),
then runs keywords and the bot turn.

Guarantees, and how:

* **At least once.** A job is taken with a hold (``claimed_until``, ``INBOUND_LEASE_SECONDS``)
  by a conditional UPDATE, on SQLite and PostgreSQL alike; it is ``done`` only after its turn
  committed. A worker killed mid-turn (kill -9) leaves the hold to run out, and another worker
  takes the job over (``attempts`` counts the takes).
* **One answer per message.** A job taken over first asks whether its message was already
  answered (``already_answered``: a bot-turn row for it, or any reply logged on the conversation
  after it, since later messages of the conversation wait for this one); if so it is closed
  without asking Rasa again. A worker killed after Rasa answered but before any reply was logged
  sends the message to Rasa a second time; the borrower still gets one answer.
* **In order per conversation.** Only a sender's (channel and address) oldest pending job can be
  taken; the next waits until it is done (or failed), whichever worker holds it. Jobs of one
  sender commit in the order of their ids (``accept`` locks the sender on PostgreSQL; SQLite has
  one writer at a time).
* **De-duplication by MessageSid**: a job's SID is unique, and a SID already logged as a message
  is refused too, so a second copy of a message never gets a job (nor a second answer).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from outreach import clock
from outreach.models import BotTurn, InboundJob, Message
from outreach.models.inbound_jobs import JOB_STATUSES

MAX_ATTEMPTS = 5  # a job that failed this often is set aside (failed) so its conversation moves on


@dataclass(frozen=True)
class Claim:
    """A worker's hold on one job: only the holder's token can close it."""

    job_id: int
    token: str


def enqueue(session: Session, msg: Message) -> InboundJob:
    """The job for a just-logged message, added to the same transaction."""
    job = InboundJob(
        message=msg,
        conversation_id=msg.conversation_id,
        channel=msg.channel,
        address=msg.address,
        provider_sid=msg.provider_sid,
    )
    session.add(job)
    return job


def _lock_sender_and_seen(session: Session, channel: str, address: str, sid: str) -> bool:
    """Whether this SID is already logged as a message; on PostgreSQL first lock the sender
    until the commit, so one sender's jobs get their ids in commit order (one round trip)."""
    seen = select(Message.id).where(Message.provider_sid == sid).limit(1).scalar_subquery()
    if session.get_bind().dialect.name != "postgresql":
        return session.scalar(select(seen)) is not None
    key = int.from_bytes(hashlib.sha256(f"{channel}:{address}".encode()).digest()[:8], "big")
    lock = func.pg_advisory_xact_lock(key - (1 << 63))
    return session.execute(select(lock, seen)).one()[1] is not None


def accept(
    session: Session,
    *,
    channel: str,
    address: str,
    body: str,
    provider_sid: str,
    received_at: datetime | None = None,
) -> bool:
    """Queue a verified webhook message for the worker and commit; False for a MessageSid this
    app already has (a Twilio retry), which is acknowledged and nothing more."""
    if _lock_sender_and_seen(session, channel, address, provider_sid):
        session.rollback()
        return False
    job = InboundJob(channel=channel, address=address, body=body, provider_sid=provider_sid)
    if received_at is not None:
        job.created_at = received_at
    session.add(job)
    try:
        session.commit()
    except IntegrityError:  # the same SID, already queued (here or on another web worker)
        session.rollback()
        return False
    return True


def depth_by_status(session: Session) -> dict[str, int]:
    """How many jobs are in each status (every status present, 0 when none): for /metrics."""
    counts = dict.fromkeys(JOB_STATUSES, 0)
    rows = session.execute(
        select(InboundJob.status, func.count()).group_by(InboundJob.status)
    ).all()
    counts.update({status: int(n) for status, n in rows})
    return counts


def pending_for(session: Session, conversation_id: int) -> int:
    """How many of a conversation's messages wait for their turn."""
    return (
        session.scalar(
            select(func.count()).where(
                InboundJob.conversation_id == conversation_id, InboundJob.status == "pending"
            )
        )
        or 0
    )


def _takeable(now_unix: float):
    """Pending, not held (or the hold ran out), and the oldest pending of its sender."""
    earlier = aliased(InboundJob)
    return (
        InboundJob.status == "pending",
        or_(InboundJob.claimed_until.is_(None), InboundJob.claimed_until < now_unix),
        ~exists().where(
            earlier.channel == InboundJob.channel,
            earlier.address == InboundJob.address,
            earlier.status == "pending",
            earlier.id < InboundJob.id,
        ),
    )


def claim(
    session: Session, job_id: int, lease_seconds: float, now_unix: float | None = None
) -> Claim | None:
    """Take this job if nobody holds it and it is its conversation's next; commits."""
    now_unix = clock.unix_seconds() if now_unix is None else now_unix
    token = secrets.token_hex(16)
    taken = session.execute(
        update(InboundJob)
        .where(InboundJob.id == job_id, *_takeable(now_unix))
        .values(
            claimed_until=now_unix + lease_seconds,
            claim_token=token,
            attempts=InboundJob.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return Claim(job_id, token) if taken == 1 else None


def claim_next(
    session: Session, lease_seconds: float, now_unix: float | None = None, scan: int = 20
) -> Claim | None:
    """Take the oldest takeable job (another worker may win a candidate: then the next)."""
    now_unix = clock.unix_seconds() if now_unix is None else now_unix
    candidates = session.scalars(
        select(InboundJob.id).where(*_takeable(now_unix)).order_by(InboundJob.id).limit(scan)
    ).all()
    session.rollback()  # end the read: the UPDATE decides, not this snapshot
    for job_id in candidates:
        taken = claim(session, job_id, lease_seconds, now_unix)
        if taken is not None:
            return taken
    return None


def already_answered(session: Session, job: InboundJob) -> bool:
    """Whether a previous holder of this job got as far as answering its message."""
    if job.message_id is None:
        return False  # not even logged yet
    if session.scalar(select(BotTurn.id).where(BotTurn.message_id == job.message_id).limit(1)):
        return True
    return bool(
        session.scalar(
            select(Message.id)
            .where(
                Message.conversation_id == job.conversation_id,
                Message.direction == "out",
                Message.id > job.message_id,
            )
            .limit(1)
        )
    )


def finish(session: Session, held: Claim, status: str = "done", error: str | None = None) -> bool:
    """Close a held job; False when the hold ran out and another worker took it over."""
    closed = session.execute(
        update(InboundJob)
        .where(InboundJob.id == held.job_id, InboundJob.claim_token == held.token)
        .values(
            status=status,
            claimed_until=None,
            body=None,  # the message row keeps the text (and the retention rules apply to it)
            last_error=error[:200] if error else None,
            finished_at=clock.now(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return closed == 1


def release(session: Session, held: Claim, error: str, retry_at_unix: float) -> None:
    """A failed attempt: keep the job pending, held until ``retry_at_unix`` (a back-off)."""
    session.execute(
        update(InboundJob)
        .where(InboundJob.id == held.job_id, InboundJob.claim_token == held.token)
        .values(claimed_until=retry_at_unix, last_error=error[:200])
        .execution_options(synchronize_session=False)
    )
    session.commit()
