"""Answering a borrower on the conversation's own channel, for the bot, an officer or the app.

Inbound routing (keyword confirmations), the bot turn (the bot's texts) and the console (an
officer's answer) all send through here, so a reply gets the same policy check whoever wrote it:
the web chat's session rule, the full contact policy for a known borrower, or the facts the
number itself gives for a stranger. Keyword confirmations alone skip the lender-contact checks.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach import clock
from outreach.channels import Channels
from outreach.messaging.contact_policy import check_contact, decide_scenario
from outreach.messaging.send import record_blocked, send_message
from outreach.models import Conversation, Message
from outreach.settings import Settings

# An officer's message counts as a reply (borrower-initiated) only this soon after the borrower
# wrote; later it is a new lender contact and must pass windows, caps and consent like any other.
REPLY_WINDOW = timedelta(minutes=60)


def initiator(session: Session, conv: Conversation, now: datetime) -> str:
    """'borrower' when the borrower wrote on this conversation within REPLY_WINDOW, else 'lender'."""
    last_in = session.scalar(
        select(Message.created_at)
        .where(Message.conversation_id == conv.id, Message.direction == "in")
        .order_by(Message.id.desc())
        .limit(1)
    )
    return "borrower" if last_in is not None and now - last_in <= REPLY_WINDOW else "lender"


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


def send_reply(
    session: Session,
    settings: Settings,
    channels: Channels,
    conv: Conversation,
    body: str,
    *,
    sender: str,
    officer_id: int | None = None,
    initiated_by: str = "borrower",
) -> Message:
    """Answer on the conversation's channel through ``channels`` (the caller's registry), after
    the policy check for a reply; a reply the policy refuses is recorded as blocked, not sent."""
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
        channels=channels,
    )


def send_keyword_confirmation(
    session: Session, settings: Settings, channels: Channels, conv: Conversation, body: str
) -> Message:
    """A STOP / START / HELP confirmation (or the bot's opt-out confirmation), from "system".

    Keyword confirmations are required by carrier rules and answer the borrower's own message,
    so they go out without the lender-contact checks (CTIA; 47 CFR 64.1200(a)(12)): an opted-out
    number still gets this one message."""
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
        channels=channels,
    )
