"""Inbound routing: every borrower message, whatever the channel, enters here.

Order matters: de-duplicate by provider SID, log the message, act on opt-out/opt-in/help keywords
(they take effect before anything else: ``keywords``), then hand the text to whoever owns the
conversation: the bot (``bot_turns``, through Rasa's REST channel) or an officer (the console
queue). Answers go out through ``replies``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from outreach import clock
from outreach.audit import log as audit
from outreach.channels import Channels
from outreach.conversations import bot_turns, menu
from outreach.conversations.inbound_queue import Claim, already_answered, claim, enqueue, finish
from outreach.conversations.keywords import PHONE_CHANNELS, apply_keyword, keyword_of
from outreach.conversations.language import follow_language
from outreach.conversations.rasa_client import RasaClient
from outreach.models import Borrower, ContactPoint, Conversation, InboundJob, Message
from outreach.selfservice.verification_config import verification_config
from outreach.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class InboundResult:
    duplicate: bool = False
    message: Message | None = None
    replies: list[Message] = field(default_factory=list)


def borrower_for_address(session: Session, channel: str, address: str) -> Borrower | None:
    """The borrower this address belongs to, preferring the same channel. Never proves identity."""
    channels = PHONE_CHANNELS if channel in PHONE_CHANNELS else (channel,)
    points = session.scalars(
        select(ContactPoint).where(
            ContactPoint.address == address, ContactPoint.channel.in_(channels)
        )
    ).all()
    points = sorted(points, key=lambda p: p.channel != channel)
    # A phone shared by several borrowers (common among group members, issue 20) names nobody:
    # the identity check decides whose conversation it is (identity.candidates_for).
    if len({p.borrower_id for p in points}) > 1:
        return None
    return points[0].borrower if points else None


def _close_if_idle(session: Session, conv: Conversation, now: datetime) -> bool:
    """Close a bot-owned SMS/WhatsApp conversation with no message for
    ``verification.conversation_idle_hours`` (finding 2): the next holder of the phone starts a
    new conversation (a new Rasa sender id) and is asked who they are again. An officer's open
    case keeps its conversation."""
    idle = verification_config().conversation_idle
    if conv.channel not in PHONE_CHANNELS or conv.owner != "bot":
        return False
    if now - conv.last_message_at <= idle:
        return False
    conv.status = "closed"
    audit.record(
        session,
        "system",
        "conversation.closed",
        subject=f"conversation:{conv.id}",
        borrower_id=conv.borrower_id,
        details={"reason": "idle", "idle_hours": int(idle.total_seconds() // 3600)},
    )
    return True


def _open_conversation_for(session: Session, channel: str, address: str) -> Conversation | None:
    return session.scalar(
        select(Conversation)
        .where(
            Conversation.channel == channel,
            Conversation.address == address,
            Conversation.status == "open",
        )
        .order_by(Conversation.id.desc())
        .limit(1)
    )


def open_conversation(
    session: Session, channel: str, address: str, now: datetime | None = None
) -> Conversation:
    """The open conversation for this channel and address, opened now if there is none (or
    the open one has been quiet too long)."""
    now = now or clock.now()
    conv = _open_conversation_for(session, channel, address)
    if conv is not None and _close_if_idle(session, conv, now):
        session.flush()  # the closed one gives up the one open slot per address
        conv = None
    if conv is None:
        borrower = borrower_for_address(session, channel, address)
        conv = Conversation(
            channel=channel, address=address, borrower_id=borrower.id if borrower else None
        )
        try:
            with session.begin_nested():
                session.add(conv)
        except IntegrityError:
            # Another worker opened it first: the database allows one open conversation per
            # channel and address (security finding 18), so join the winner's.
            conv = _open_conversation_for(session, channel, address)
            if conv is None:  # the winner's is gone again (closed meanwhile): never expected
                raise
    return conv


def store_inbound(
    session: Session,
    *,
    channel: str,
    address: str,
    body: str,
    provider_sid: str | None,
    received_at: datetime | None = None,
    job: InboundJob | None = None,
) -> InboundResult:
    """Log one borrower message and commit it, before anything else is attempted.

    Safe to call twice with the same SID. ``received_at``: when the provider delivered it, for a
    message replayed from the inbound spool (outreach.conversations.spool) after the database was
    unavailable, or queued by a webhook (``job``: the queue's row, which the message joins); the
    row then keeps the instant the borrower wrote."""
    if provider_sid and session.scalar(
        select(Message.id).where(Message.provider_sid == provider_sid)
    ):
        return InboundResult(duplicate=True)
    conv = open_conversation(session, channel, address)
    # The audit chain's lock, which this transaction takes anyway for the message.in event,
    # taken before the message gets its id: messages then commit in the order of their ids, so
    # the inbound queue answers a conversation's messages in the order they came (issue 19).
    # The chain's lock comes first in every transaction that takes both (outreach.audit.log).
    audit.lock_chain(session)
    msg = Message(
        conversation_id=conv.id,
        borrower_id=conv.borrower_id,
        direction="in",
        channel=channel,
        address=address,
        sender="borrower",
        body=body,
        provider_sid=provider_sid,
        status="received",
    )
    if received_at is not None:
        msg.created_at = received_at
    session.add(msg)
    if job is None:
        enqueue(session, msg)  # in the same commit: never a stored message without its turn
    else:
        job.message, job.conversation_id = msg, conv.id
    try:
        session.flush()
    except IntegrityError:  # the same SID raced in on another worker
        session.rollback()
        return InboundResult(duplicate=True)
    conv.last_message_at = clock.now()
    details: dict[str, str] = {"channel": channel}
    if received_at is not None:
        details["queued_at" if job is not None else "spooled_at"] = received_at.isoformat()
    audit.record(
        session,
        "borrower",
        "message.in",
        subject=f"message:{msg.id}",
        borrower_id=conv.borrower_id,
        details=details,
    )
    session.commit()
    return InboundResult(message=msg)


def route_inbound(
    session: Session,
    settings: Settings,
    rasa: RasaClient,
    channels: Channels,
    result: InboundResult,
) -> InboundResult:
    """Act on a stored inbound message: keywords first, then whoever owns the conversation.
    ``rasa`` answers for the bot; ``channels`` deliver the replies (the caller's registry)."""
    msg = result.message
    if result.duplicate or msg is None or msg.conversation is None:
        return result
    conv = msg.conversation
    # Every message, whoever answers it: the language followed for everything sent back.
    followed = follow_language(conv, msg.body)
    # Committed now: an open write would hold the database (SQLite: all of it) through the
    # Rasa call that follows, and other borrowers' messages would have to be spooled.
    session.commit()
    keyword = keyword_of(session, msg)
    if keyword != "none":
        result.replies = apply_keyword(
            session, settings, channels, conv, keyword, msg.body, followed.language
        )
        session.commit()
        return result
    if conv.owner != "bot":
        return result  # an officer owns it: the console shows the new message
    if menu.wants_menu(session, conv, msg.body):
        # The numeric SMS menu for feature phones: no NLU, the same checks and services.
        result.replies = menu.run_turn(session, settings, channels, conv, msg)
        session.commit()
        return result
    # Rasa, the replies and the turn log (intent, confidence, language, actions): bot_turns.
    result.replies = bot_turns.run_turn(session, settings, rasa, channels, conv, msg, followed)
    return result


def route_held(
    session: Session, settings: Settings, rasa: RasaClient, channels: Channels, held: Claim
) -> InboundResult:
    """Route the message of a job this process holds, then close the job.

    A job taken over from a killed worker (``attempts`` > 1) whose message was already answered
    is closed without routing it again: one answer per message (``inbound_queue``)."""
    job = session.get(InboundJob, held.job_id)
    if job is None:
        raise LookupError(f"inbound job {held.job_id} is gone")
    if job.message_id is None:  # a webhook's job: log the message first
        result = store_inbound(
            session,
            channel=job.channel,
            address=job.address,
            body=job.body or "",
            provider_sid=job.provider_sid,
            received_at=job.created_at,
            job=job,
        )
        result = route_inbound(session, settings, rasa, channels, result)
    elif job.attempts > 1 and already_answered(session, job):
        log.warning("inbound job %s was answered before its worker stopped: closed", job.id)
        result = InboundResult(message=job.message)
    else:
        result = route_inbound(
            session, settings, rasa, channels, InboundResult(message=job.message)
        )
    if not finish(session, held):
        log.warning("inbound job %s: hold ran out during the turn", held.job_id)
    return result


def route_now(
    session: Session,
    settings: Settings,
    rasa: RasaClient,
    channels: Channels,
    stored: InboundResult,
) -> InboundResult:
    """Route a just-stored message in this request, unless an earlier message of its
    conversation still waits in the queue: then it waits too and the worker answers both, in
    order."""
    if stored.duplicate or stored.message is None:
        return stored
    job_id = session.scalar(select(InboundJob.id).where(InboundJob.message_id == stored.message.id))
    held = claim(session, job_id, settings.inbound_lease_seconds) if job_id else None
    if held is None:
        return stored
    return route_held(session, settings, rasa, channels, held)


def receive_inbound(
    session: Session,
    settings: Settings,
    rasa: RasaClient,
    channels: Channels,
    *,
    channel: str,
    address: str,
    body: str,
    provider_sid: str | None,
    received_at: datetime | None = None,
) -> InboundResult:
    """Log one borrower message and route it now (``route_now``). Safe to call twice with the
    same SID."""
    stored = store_inbound(
        session,
        channel=channel,
        address=address,
        body=body,
        provider_sid=provider_sid,
        received_at=received_at,
    )
    return route_now(session, settings, rasa, channels, stored)
