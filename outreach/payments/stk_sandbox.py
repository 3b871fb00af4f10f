"""Demo mode's M-Pesa: the prompt shows on the sandbox phone, and answering it settles it.

A demo-mode prompt (``StkRequest.sandbox``) is never sent to Daraja. The sandbox phone of the
number it was sent to shows it (pay KES X to the lender, account = the loan); the borrower's
answer builds the exact stkCallback body Daraja would post (success with its CallbackMetadata,
or ResultCode 1032 "Request cancelled by user") and hands it to the same parse / match / apply
code as the real callback (``outreach.payments.stk_settle.handle_callback``).
"""

from __future__ import annotations

import secrets
import string
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.channels import Channels
from outreach.models import StkRequest
from outreach.payments import sandbox, stk_result
from outreach.payments.stk import kenyan_mobile
from outreach.payments.stk_settle import handle_callback
from outreach.settings import Settings

RECEIPT_ALPHABET = string.ascii_uppercase + string.digits


def offered(settings: Settings) -> bool:
    """Sandbox prompts exist only in demo mode for payments (``outreach.payments.sandbox``)."""
    return sandbox.offered(settings)


def pending_prompts(session: Session, settings: Settings, address: str) -> list[StkRequest]:
    """The demo prompts waiting on the phone ``address`` (E.164), oldest first."""
    msisdn = kenyan_mobile(address) if offered(settings) else None
    if msisdn is None:
        return []
    return list(
        session.scalars(
            select(StkRequest)
            .where(
                StkRequest.sandbox.is_(True),
                StkRequest.status == "pending",
                StkRequest.phone == msisdn,
            )
            .order_by(StkRequest.id)
        ).all()
    )


def fake_receipt() -> str:
    """A receipt number shaped like M-Pesa's (10 capitals and digits, e.g. QKH94M1Z11)."""
    return "S" + "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(9))


def answer(
    session: Session,
    settings: Settings,
    channels: Channels,
    req: StkRequest,
    *,
    pay: bool,
    now: datetime,
) -> str:
    """Answer a demo prompt as the borrower (``pay``: entered the PIN; else cancelled)."""
    if pay:
        body = stk_result.success_body(
            req.merchant_request_id,
            req.checkout_request_id,
            req.amount,
            fake_receipt(),
            req.phone,
            now,
        )
    else:
        body = stk_result.failure_body(req.merchant_request_id, req.checkout_request_id)
    return handle_callback(session, settings, channels, body, now)
