"""Telling a borrower, once, that an M-Pesa prompt did not complete, and how to pay by paybill.

Sent when a prompt fails (cancelled, not answered, insufficient funds...): on the conversation
that asked for it, else on the borrower's usual channel, as a reply under the contact policy
(the borrower's own act started it), like a receipt (``outreach.payments.receipts``). The text
names the paybill (business number) and the account to give there: the loan number, which is
what a C2B confirmation is matched by.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from babel.core import UnknownLocaleError
from babel.numbers import format_currency
from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.channels import Channels
from outreach.conversations.replies import send_reply
from outreach.messaging.contact_policy import check_contact, usable_point
from outreach.messaging.send import record_blocked, send_message
from outreach.messaging.templates import render, render_email
from outreach.models import Borrower, Conversation, Loan, Message, StkRequest
from outreach.payments.mpesa import CURRENCY
from outreach.payments.receipts import CHANNEL_ORDER, SENDER, mask
from outreach.payments.stk import paybill
from outreach.settings import Settings

TEMPLATE = "stk_not_completed"


def notice_text(
    settings: Settings, borrower: Borrower, loan: Loan, req: StkRequest, channel: str
) -> tuple[str, dict[str, Any] | None]:
    """The notice on ``channel`` in the borrower's locale, and an email's subject and HTML."""
    locale = (borrower.locale or "en").replace("-", "_")
    try:
        amount = format_currency(req.amount, CURRENCY, locale=locale)
    except (UnknownLocaleError, ValueError):  # e.g. es_KE: Babel knows the language only
        amount = format_currency(req.amount, CURRENCY, locale=locale.split("_")[0] or "en")
    values = {
        "lender": settings.lender_name,
        # Babel's no-break spaces and the bullet are not GSM-7: either would make an SMS UCS-2.
        "amount": amount.replace("\u00a0", " ").replace("\u202f", " "),
        "loan_ref": mask(loan.loan_number),
        "paybill": paybill(settings),
        "account": loan.loan_number,
    }
    if channel in ("sms", "whatsapp"):
        values["loan_ref"] = values["loan_ref"].replace("•", "*")
    if channel == "email":
        parts = render_email(TEMPLATE, locale, **values)
        return parts["text"], {"subject": parts["subject"], "html": parts["html"]}
    return render(TEMPLATE, "sms" if channel == "web" else channel, locale, **values), None


def _conversation(session: Session, req: StkRequest) -> Conversation | None:
    if req.conversation_id is not None:
        conv = session.get(Conversation, req.conversation_id)
        if conv is not None and conv.borrower_id == req.borrower_id:
            return conv
    return session.scalar(
        select(Conversation)
        .where(Conversation.borrower_id == req.borrower_id, Conversation.status == "open")
        .order_by(Conversation.last_message_at.desc().nulls_last(), Conversation.id.desc())
        .limit(1)
    )


def send_paybill_notice(
    session: Session, settings: Settings, channels: Channels, req: StkRequest, now: datetime
) -> Message | None:
    """Send (or record as blocked) the notice for the failed ``req``; None without an address.
    Commits."""
    loan = session.get(Loan, req.loan_id)
    assert loan is not None
    borrower = loan.borrower
    conv = _conversation(session, req)
    if conv is not None:
        body, _ = notice_text(settings, borrower, loan, req, conv.channel)
        msg = send_reply(session, settings, channels, conv, body, sender=SENDER)
        msg.template, msg.loan_id = TEMPLATE, loan.id
        session.commit()
        return msg
    for channel in CHANNEL_ORDER:
        point = usable_point(list(borrower.contact_points), channel)
        if point is None:
            continue
        body, send_kwargs = notice_text(settings, borrower, loan, req, channel)
        decision = check_contact(session, borrower, channel, now, initiated_by="borrower")
        common: dict[str, Any] = dict(
            channel=channel,
            address=point.address,
            body=body,
            sender=SENDER,
            borrower_id=borrower.id,
            loan_id=loan.id,
            template=TEMPLATE,
            dedupe_key=f"stk_not_completed:{req.id}",
        )
        if not decision["allowed"]:
            msg = record_blocked(session, decision=decision, **common)
        else:
            msg = send_message(
                session,
                settings,
                decision=decision,
                channels=channels,
                send_kwargs=send_kwargs,
                **common,
            )
        session.commit()
        return msg
    return None
