"""The one receipt a borrower gets for an applied payment.

It goes on the channel of the conversation that asked for the payment (the event's
``conversation_id``, when the request came from one), else on the borrower's usual channel: their
most recently active open conversation, else their first valid address (SMS, WhatsApp, email).
Either way it passes the contact policy as a reply (the borrower's own act started it): a receipt
the policy refuses is recorded as blocked, not sent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import format_currency
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from outreach import clock
from outreach.channels import Channels
from outreach.conversations.replies import send_reply
from outreach.messaging.contact_policy import check_contact, usable_point
from outreach.messaging.send import record_blocked, send_message
from outreach.messaging.templates import render, render_email
from outreach.models import Borrower, ContactPoint, Conversation, Loan, Message
from outreach.settings import Settings

TEMPLATE = "payment_receipt"
# A phone several borrowers share (group loans: issue 20): whoever holds it may not be the payer,
# so the receipt names no amount and no loan; the payer hears the details after the identity check.
SHARED_TEMPLATE = "payment_receipt_shared"
PHONE_CHANNELS = ("sms", "whatsapp")
SENDER = "payments"
# The channels a receipt may go on without a conversation, in order of preference.
CHANNEL_ORDER = ("sms", "whatsapp", "email")


def mask(loan_number: str) -> str:
    """The loan reference as borrower messages show it (the bot's balance does the same)."""
    return "••••" + loan_number[-4:]


def _plain(text: str) -> str:
    # Babel's (narrow) no-break spaces are not GSM-7: one would make the SMS UCS-2.
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def shared_phone(session: Session, channel: str, address: str) -> bool:
    """Whether another borrower also has this phone number."""
    if channel not in PHONE_CHANNELS:
        return False
    owners = session.scalar(
        select(func.count(distinct(ContactPoint.borrower_id))).where(
            ContactPoint.address == address, ContactPoint.channel.in_(PHONE_CHANNELS)
        )
    )
    return (owners or 0) > 1


def receipt_text(
    settings: Settings,
    borrower: Borrower,
    loan: Loan,
    amount: Decimal,
    currency: str,
    channel: str,
    *,
    shared: bool = False,
) -> tuple[str, dict[str, Any] | None]:
    """The receipt's body on ``channel`` in the borrower's locale (amount formatted by Babel),
    and the channel's extra send arguments (an email's subject and HTML part). ``shared``: the
    phone is another borrower's too, so the text names no amount or loan."""
    locale = (borrower.locale or "en").replace("-", "_")
    if shared and channel in PHONE_CHANNELS:
        return render(SHARED_TEMPLATE, "sms", locale, lender=settings.lender_name), None
    values = {
        "lender": settings.lender_name,
        "amount": _plain(format_currency(amount, currency, locale=locale)),
        "loan_ref": mask(loan.loan_number),
    }
    if channel in ("sms", "whatsapp"):  # the bullet is not GSM-7 either
        values["loan_ref"] = values["loan_ref"].replace("•", "*")
    if channel == "email":
        parts = render_email(TEMPLATE, locale, **values)
        return parts["text"], {"subject": parts["subject"], "html": parts["html"]}
    # The web chat shows plain text like an SMS: it has no wording of its own.
    return render(TEMPLATE, "sms" if channel == "web" else channel, locale, **values), None


def _conversation(
    session: Session, borrower: Borrower, asked_in: int | None
) -> Conversation | None:
    if asked_in is not None:
        conv = session.get(Conversation, asked_in)
        if conv is not None and conv.borrower_id == borrower.id:
            return conv
    return session.scalar(
        select(Conversation)
        .where(Conversation.borrower_id == borrower.id, Conversation.status == "open")
        .order_by(Conversation.last_message_at.desc().nulls_last(), Conversation.id.desc())
        .limit(1)
    )


def send_receipt(
    session: Session,
    settings: Settings,
    channels: Channels,
    loan: Loan,
    amount: Decimal,
    currency: str,
    asked_in: int | None = None,
) -> Message | None:
    """Send (or record as blocked) the receipt; None when the borrower has no address at all."""
    borrower = loan.borrower
    conv = _conversation(session, borrower, asked_in)
    if conv is not None:
        shared = shared_phone(session, conv.channel, conv.address)
        body, _ = receipt_text(
            settings, borrower, loan, amount, currency, conv.channel, shared=shared
        )
        msg = send_reply(session, settings, channels, conv, body, sender=SENDER)
        msg.template, msg.loan_id = TEMPLATE, loan.id
        session.commit()
        return msg
    for channel in CHANNEL_ORDER:
        point = usable_point(list(borrower.contact_points), channel)
        if point is None:
            continue
        shared = shared_phone(session, channel, point.address)
        body, send_kwargs = receipt_text(
            settings, borrower, loan, amount, currency, channel, shared=shared
        )
        decision = check_contact(session, borrower, channel, clock.now(), initiated_by="borrower")
        common = dict(
            channel=channel,
            address=point.address,
            body=body,
            sender=SENDER,
            borrower_id=borrower.id,
            loan_id=loan.id,
            template=TEMPLATE,
        )
        if not decision["allowed"]:
            return record_blocked(session, decision=decision, **common)  # type: ignore[arg-type]
        return send_message(
            session,
            settings,
            decision=decision,
            channels=channels,
            send_kwargs=send_kwargs,
            **common,  # type: ignore[arg-type]
        )
    return None
