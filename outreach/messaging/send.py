"""Sending one message: log it, send it, record what the provider said.

The message row is committed as ``sending`` before the provider call and updated after it, so a
crash between the two leaves a visible row to reconcile rather than a silent send.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from outreach import clock
from outreach import events as outbound
from outreach.audit import log as audit
from outreach.channels import ChannelError, Channels
from outreach.channels.sms_encoding import analyse
from outreach.models import Conversation, Message
from outreach.settings import Settings

log = logging.getLogger(__name__)


def _initiated_by(decision: dict[str, Any] | None) -> str:
    decision = decision or {}
    facts = decision.get("facts") or {}
    return decision.get("initiated_by") or facts.get("initiated_by") or "lender"


def outbound_message(
    *,
    channel: str,
    address: str,
    body: str,
    sender: str,
    status: str,
    decision: dict[str, Any] | None,
    conversation: Conversation | None = None,
    borrower_id: int | None = None,
    loan_id: int | None = None,
    officer_id: int | None = None,
    template: str | None = None,
    dedupe_key: str | None = None,
    initiated_by: str | None = None,
) -> Message:
    """The log row of one outbound message (not yet added to a session).

    ``initiated_by`` defaults to what the decision says (the policy's facts), else "lender".
    """
    return Message(
        conversation_id=conversation.id if conversation else None,
        borrower_id=borrower_id,
        loan_id=loan_id,
        direction="out",
        channel=channel,
        address=address,
        sender=sender,
        officer_id=officer_id,
        template=template,
        body=body,
        status=status,
        initiated_by=initiated_by or _initiated_by(decision),
        decision=decision,
        dedupe_key=dedupe_key,
    )


def status_callback_url(settings: Settings, channel: str = "sms") -> str | None:
    if settings.demo_mode or channel == "email":
        return None
    return f"{settings.public_base_url}/webhooks/twilio/status"


def send_message(
    session: Session,
    settings: Settings,
    *,
    channel: str,
    address: str,
    body: str,
    sender: str,
    conversation: Conversation | None = None,
    borrower_id: int | None = None,
    loan_id: int | None = None,
    officer_id: int | None = None,
    template: str | None = None,
    decision: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
    send_kwargs: dict[str, Any] | None = None,
    before_send: Callable[[Message], None] | None = None,
    after_send: Callable[[Message], None] | None = None,
    raise_errors: bool = False,
    channels: Channels,
) -> Message:
    """Log and send one outbound message.

    ``channels``: where the message goes, always the caller's registry (the app's from
    ``outreach.web.channels()``, one built from settings in a job); there is no fallback, so
    no send can bypass the registry a caller was given. ``send_kwargs`` go to the channel (WhatsApp ``content_sid``/``content_variables``; email
    ``subject``/``html``/``unsubscribe_url``). ``before_send`` runs in the transaction that commits
    the ``sending`` row (the dispatcher links its outbox row there, so a crash is reconcilable).
    A provider failure is recorded on the row; it is re-raised only with ``raise_errors``.
    """
    msg = outbound_message(
        channel=channel,
        address=address,
        body=body,
        sender=sender,
        status="sending",
        decision=decision,
        conversation=conversation,
        borrower_id=borrower_id
        if borrower_id is not None
        else (conversation.borrower_id if conversation else None),
        loan_id=loan_id,
        officer_id=officer_id,
        template=template,
        dedupe_key=dedupe_key,
    )
    if channel == "sms":
        info = analyse(body)
        msg.encoding, msg.segments = info.encoding, info.segments
    session.add(msg)
    session.flush()
    if before_send is not None:
        before_send(msg)
    audit.record(
        session,
        sender if officer_id is None else f"officer:{officer_id}",
        "message.out",
        subject=f"message:{msg.id}",
        borrower_id=msg.borrower_id,
        details={
            "channel": channel,
            "template": template,
            "allowed": (decision or {}).get("allowed", True),
        },
    )
    session.commit()
    provider = channels.get(channel)
    try:
        result = provider.send(
            address,
            body,
            status_callback=status_callback_url(settings, channel),
            **(send_kwargs or {}),
        )
    except ChannelError as exc:
        msg.status = "failed"
        msg.error = str(exc)[:500]
        outbound.emit_message(
            session,
            "message.failed",
            msg,
            clock.now(),
            error_code=exc.code,
            permanent=exc.permanent,
        )
        log.warning(
            "send failed for message %s: permanent=%s code=%s", msg.id, exc.permanent, exc.code
        )
        if raise_errors:
            if conversation is not None:
                conversation.last_message_at = clock.now()
            session.commit()
            raise
    else:
        msg.provider_sid = result.provider_sid
        msg.status = result.status
        msg.sent_at = clock.now()
        if after_send is not None:
            after_send(msg)
    if conversation is not None:
        conversation.last_message_at = clock.now()
    session.commit()
    return msg


def record_blocked(
    session: Session,
    *,
    channel: str,
    address: str,
    body: str,
    sender: str,
    decision: dict[str, Any],
    borrower_id: int | None,
    loan_id: int | None = None,
    template: str | None = None,
    conversation: Conversation | None = None,
    dedupe_key: str | None = None,
) -> Message:
    """Log a message the policy blocked, so auditors see blocked contacts too."""
    msg = outbound_message(
        channel=channel,
        address=address,
        body=body,
        sender=sender,
        status="blocked",
        decision=decision,
        conversation=conversation,
        borrower_id=borrower_id,
        loan_id=loan_id,
        template=template,
        dedupe_key=dedupe_key,
    )
    session.add(msg)
    session.flush()
    audit.record(
        session,
        sender,
        "message.blocked",
        subject=f"message:{msg.id}",
        borrower_id=borrower_id,
        details={"reasons": decision.get("reasons")},
    )
    session.commit()
    return msg
