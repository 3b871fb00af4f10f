"""Inbound routing: every borrower message, whatever the channel, enters here.

Order matters: de-duplicate by provider SID, log the message, act on opt-out/opt-in/help keywords
(they take effect before anything else), then hand the text to whoever owns the conversation:
the bot (through Rasa's REST channel) or an officer (the console queue).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import phonenumbers
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from outreach import clock
from outreach.audit import log as audit
from outreach.conversations import bot_turns
from outreach.conversations.notices import BOT_UNAVAILABLE  # noqa: F401  (the English text; tests compare to it)
from outreach.messaging.contact_policy import check_contact, decide_scenario
from outreach.messaging.send import record_blocked, send_message
from outreach.models import Borrower, ContactPoint, Conversation, Message
from outreach.policy import classify_keyword
from outreach.selfservice.verification_config import verification_config
from outreach.settings import Settings

log = logging.getLogger(__name__)

OPT_OUT_CONFIRMATION = (
    "{lender}: you will no longer receive messages on this number. Reply START to resubscribe."
)
OPT_IN_CONFIRMATION = "{lender}: you are subscribed again. Reply STOP to stop."
HELP_TEXT = "{lender}: reply BALANCE for your balance, AGENT for a person, STOP to stop."
PHONE_CHANNELS = ("sms", "whatsapp")
# An officer's message counts as a reply (borrower-initiated) only this soon after the borrower
# wrote; later it is a new lender contact and must pass windows, caps and consent like any other.
REPLY_WINDOW = timedelta(minutes=60)


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


def initiator(session: Session, conv: Conversation, now: datetime) -> str:
    """'borrower' when the borrower wrote on this conversation within REPLY_WINDOW, else 'lender'."""
    last_in = session.scalar(
        select(Message.created_at)
        .where(Message.conversation_id == conv.id, Message.direction == "in")
        .order_by(Message.id.desc())
        .limit(1)
    )
    return "borrower" if last_in is not None and now - last_in <= REPLY_WINDOW else "lender"


def reply(
    session: Session,
    settings: Settings,
    conv: Conversation,
    body: str,
    *,
    sender: str,
    officer_id: int | None = None,
    initiated_by: str = "borrower",
) -> Message:
    """Answer on the conversation's channel, after the policy check for a reply."""
    now = clock.now()
    if conv.channel == "web":
        decision = web_session_decision(session, conv, now)
    elif conv.borrower is not None:
        decision = check_contact(
            session, conv.borrower, conv.channel, now, initiated_by=initiated_by
        )
    else:
        decision = decide_scenario(_unknown_sender_scenario(conv, now), session)
    if not decision["allowed"]:
        return record_blocked(
            session,
            channel=conv.channel,
            address=conv.address,
            body=body,
            sender=sender,
            decision=decision,
            borrower_id=conv.borrower_id,
            conversation=conv,
        )
    return send_message(
        session,
        settings,
        channel=conv.channel,
        address=conv.address,
        body=body,
        sender=sender,
        conversation=conv,
        officer_id=officer_id,
        decision=decision,
    )


def web_session_decision(session: Session, conv: Conversation, now: datetime) -> dict:
    """The policy for a message in the web chat widget.

    The widget can only show a message to a borrower who opened it and wrote: every web message
    is an answer inside a live, borrower-initiated session. Like any reply to the borrower
    (engine: replies are not subject to windows, caps, consent or flags; RULES.md RF-TIME-5) it
    may go out while the borrower wrote within REPLY_WINDOW. After that the session is over and
    the web channel cannot start a contact: ``web_session_closed`` (a lender contact goes by
    SMS, WhatsApp or email through the full policy engine instead).
    """
    live = initiator(session, conv, now) == "borrower"
    return {
        "allowed": live,
        "reasons": [] if live else ["web_session_closed"],
        "basis": "web_session_reply",
        "initiated_by": "borrower",
        "channel": "web",
        "next_allowed_at": None,
        "rules_version": "web-session.v1",
        "facts": {"initiated_by": "borrower" if live else "lender"},
        "local_times": {},
        "zones": [],
    }


def _unknown_sender_scenario(conv: Conversation, now: datetime) -> dict:
    """Facts for replying to a number no borrower has: only what the number itself tells."""
    try:
        country = phonenumbers.region_code_for_number(phonenumbers.parse(conv.address)) or "US"
    except phonenumbers.NumberParseException:
        country = "US"
    iso = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "id": f"conversation:{conv.id}",
        "now": iso,
        "channel": conv.channel,
        "initiated_by": "borrower",
        "borrower": {
            "country": country,
            "phone": conv.address,
            "last_inbound": {conv.channel: iso},
        },
    }


def _opted_out(session: Session, address: str) -> bool:
    return (
        session.scalar(
            select(ContactPoint.id)
            .where(
                ContactPoint.address == address,
                ContactPoint.channel.in_(PHONE_CHANNELS),
                ContactPoint.opted_out_at.is_not(None),
            )
            .limit(1)
        )
        is not None
    )


def _apply_keyword(
    session: Session, settings: Settings, conv: Conversation, kind: str, raw_text: str
) -> list[Message]:
    """STOP / START / HELP take effect at once, on SMS and WhatsApp for the same number."""
    lender = settings.lender_name
    points = session.scalars(
        select(ContactPoint).where(
            ContactPoint.address == conv.address, ContactPoint.channel.in_(PHONE_CHANNELS)
        )
    ).all()
    now = clock.now()
    if kind == "opt_out":
        already = bool(points) and all(p.opted_out_at is not None for p in points)
        session.execute(
            update(ContactPoint)
            .where(
                ContactPoint.address == conv.address,
                ContactPoint.channel.in_(PHONE_CHANNELS),
                ContactPoint.opted_out_at.is_(None),
            )
            .values(opted_out_at=now)
        )
        audit.record(
            session,
            "borrower",
            "consent.opt_out",
            borrower_id=conv.borrower_id,
            details={"channel": conv.channel, "text": raw_text},
        )
        if already:
            return []  # one confirmation at most
        return [_system_send(session, settings, conv, OPT_OUT_CONFIRMATION.format(lender=lender))]
    if kind == "opt_in":
        flags = conv.borrower.active_flags() if conv.borrower else []
        if flags:
            # A cease-and-desist, attorney, bankruptcy or deceased flag outranks a START: consent
            # is not restored and nothing is sent (Reg F 1006.6(c); 1006.6(b)(2)).
            audit.record(
                session,
                "borrower",
                "consent.opt_in_refused",
                borrower_id=conv.borrower_id,
                details={"channel": conv.channel, "text": raw_text, "flags": flags},
            )
            return []
        session.execute(
            update(ContactPoint)
            .where(ContactPoint.address == conv.address, ContactPoint.channel.in_(PHONE_CHANNELS))
            .values(opted_out_at=None, consent_at=now, consent_source="keyword:START")
        )
        audit.record(
            session,
            "borrower",
            "consent.opt_in",
            borrower_id=conv.borrower_id,
            details={"channel": conv.channel, "text": raw_text},
        )
        return [_system_send(session, settings, conv, OPT_IN_CONFIRMATION.format(lender=lender))]
    return [_system_send(session, settings, conv, HELP_TEXT.format(lender=lender))]


def _system_send(session: Session, settings: Settings, conv: Conversation, body: str) -> Message:
    # Keyword confirmations are required by carrier rules and answer the borrower's own message,
    # so they go out without the lender-contact checks (CTIA; 47 CFR 64.1200(a)(12)).
    return send_message(
        session,
        settings,
        channel=conv.channel,
        address=conv.address,
        body=body,
        sender="system",
        conversation=conv,
        decision={
            "allowed": True,
            "reasons": [],
            "basis": "keyword_confirmation",
            "initiated_by": "borrower",
        },
    )


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


def route_inbound(session: Session, settings: Settings, result: InboundResult) -> InboundResult:
    """Act on a stored inbound message: keywords first, then whoever owns the conversation."""
    msg = result.message
    if result.duplicate or msg is None or msg.conversation is None:
        return result
    conv, body = msg.conversation, msg.body
    # STOP/START/HELP are carrier conventions for a phone number; in the web chat the words go
    # to the bot, whose opt_out intent opts out the borrower's phone when that is what they ask.
    keyword = classify_keyword(body) if msg.channel in PHONE_CHANNELS else "none"
    if keyword == "opt_in" and not _opted_out(session, conv.address):
        keyword = "none"  # "YES"/"START" from a subscribed number is an answer for the bot
    if keyword != "none":
        result.replies = _apply_keyword(session, settings, conv, keyword, body)
        session.commit()
        return result
    if conv.owner != "bot":
        return result  # an officer owns it: the console shows the new message
    # Rasa, the replies and the turn log (intent, confidence, language, actions): bot_turns.
    result.replies = bot_turns.run_turn(session, settings, conv, msg)
    return result


def receive_inbound(
    session: Session,
    settings: Settings,
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
    return route_inbound(session, settings, stored)
