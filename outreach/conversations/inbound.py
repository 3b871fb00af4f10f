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
from outreach.conversations.keywords import PHONE_CHANNELS, apply_keyword, keyword_of
from outreach.conversations.rasa_client import RasaClient
from outreach.models import Borrower, ContactPoint, Conversation, Message
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
) -> InboundResult:
    """Log one borrower message and commit it, before anything else is attempted.

    Safe to call twice with the same SID. ``received_at``: when the provider delivered it, for a
    message replayed from the inbound spool (outreach.conversations.spool) after the database was
    unavailable; the row then keeps the instant the borrower wrote."""
    if provider_sid and session.scalar(
        select(Message.id).where(Message.provider_sid == provider_sid)
    ):
        return InboundResult(duplicate=True)
    conv = open_conversation(session, channel, address)
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
    try:
        session.flush()
    except IntegrityError:  # the same SID raced in on another worker
        session.rollback()
        return InboundResult(duplicate=True)
    conv.last_message_at = clock.now()
    details: dict[str, str] = {"channel": channel}
    if received_at is not None:
        details["spooled_at"] = received_at.isoformat()
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
    keyword = keyword_of(session, msg)
    if keyword != "none":
        result.replies = apply_keyword(session, settings, channels, conv, keyword, msg.body)
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
    result.replies = bot_turns.run_turn(session, settings, rasa, channels, conv, msg)
    return result


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
    """Log one borrower message and route it. Safe to call twice with the same SID."""
    stored = store_inbound(
        session,
        channel=channel,
        address=address,
        body=body,
        provider_sid=provider_sid,
        received_at=received_at,
    )
    return route_inbound(session, settings, rasa, channels, stored)
