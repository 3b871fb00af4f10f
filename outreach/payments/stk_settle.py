"""Settling an M-Pesa STK prompt from its result: the callback, the status query, the sandbox.

M-Pesa's callbacks are unsigned, so a result is believed only against our own request
(contracts/payments.md): its ``CheckoutRequestID`` (and ``MerchantRequestID``) must be one we
stored, else :class:`UnknownRequest` (answer 400, store nothing: an unknown id is not ours).

- ``ResultCode`` 0 reporting the amount and phone we asked for: applied through ``apply_event``
  (provider ``mpesa``, reference ``MpesaReceiptNumber``, the request's loan and conversation, so
  the receipt goes where the borrower asked). Another amount or phone: parked for review with
  ``stk_amount_mismatch`` / ``stk_phone_mismatch``, never applied.
- Any other ``ResultCode``: the request is ``failed`` and the borrower is told once how to pay
  by paybill (``outreach.payments.stk_notice``).

One request produces at most one payment: the request moves out of ``pending`` by a conditional
update committed with the payment, so a late callback after the status query settled it (or
the same callback twice, or both at once) changes nothing. A success reported after the
request failed or expired is still applied: money left the borrower's M-Pesa account.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from outreach.channels import Channels
from outreach.models import ProviderPayment, StkRequest
from outreach.payments import stk_result
from outreach.payments.apply import apply_event
from outreach.payments.base import CallbackRejected, PaymentEvent
from outreach.payments.mpesa import CURRENCY
from outreach.payments.stk_notice import send_paybill_notice
from outreach.payments.stk_result import StkResult
from outreach.settings import Settings

log = logging.getLogger(__name__)
PROVIDER = "mpesa"
# A success may settle a request in any of these; ``paid`` and ``review`` already hold one.
OPEN_FOR_PAYMENT = ("pending", "failed", "expired")


class UnknownRequest(CallbackRejected):
    """The result names no STK request of ours (answer 400; store nothing)."""


def find_request(session: Session, result: StkResult) -> StkRequest:
    """Our request the result is for, or UnknownRequest."""
    req = session.scalar(
        select(StkRequest).where(StkRequest.checkout_request_id == result.checkout_request_id)
    )
    if req is None or req.merchant_request_id != result.merchant_request_id:
        raise UnknownRequest("CheckoutRequestID: not a request of ours")
    return req


def handle_callback(
    session: Session, settings: Settings, channels: Channels, body: bytes, now: datetime
) -> str:
    """Parse, match and settle one stkCallback body (the route checked token and caller).
    Answers what happened: ``applied``, ``review``, ``failed`` or ``duplicate``."""
    result = stk_result.parse(body)
    return settle(session, settings, channels, find_request(session, result), result, now)


def settle(
    session: Session,
    settings: Settings,
    channels: Channels,
    req: StkRequest,
    result: StkResult,
    now: datetime,
) -> str:
    """Settle ``req`` from ``result`` (a callback's, or the status query's)."""
    if result.paid:
        return _paid(session, settings, channels, req, result, now)
    return _failed(session, settings, channels, req, result, now)


def _phone_matches(asked: str, told: str) -> bool:
    if "*" not in told:
        return told == asked
    # A masked MSISDN (2547*****149): the digits it shows must be ours, in place.
    return len(told) == len(asked) and all(t in ("*", a) for t, a in zip(told, asked, strict=True))


def mismatch(req: StkRequest, result: StkResult) -> str | None:
    """Why a success does not match our request, or None. An absent PhoneNumber is not a
    mismatch (the CheckoutRequestID and amount already tie it to the prompt we sent)."""
    if result.amount != req.amount:
        return "stk_amount_mismatch"
    if result.phone is not None and not _phone_matches(req.phone, result.phone):
        return "stk_phone_mismatch"
    return None


def _paid(
    session: Session,
    settings: Settings,
    channels: Channels,
    req: StkRequest,
    result: StkResult,
    now: datetime,
) -> str:
    reason = mismatch(req, result)
    claimed = session.execute(
        update(StkRequest)
        .where(StkRequest.id == req.id, StkRequest.status.in_(OPEN_FOR_PAYMENT))
        .values(
            status="review" if reason else "paid",
            result_code=0,
            result_desc=result.result_desc,
            receipt=result.receipt,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        _late_receipt(session, req, result, now)
        return "duplicate"
    event = PaymentEvent(
        provider=PROVIDER,
        # The query answers no receipt number: its payment is known by the CheckoutRequestID.
        reference=result.receipt or req.checkout_request_id,
        loan_number=req.loan.loan_number,
        amount=result.amount if result.amount is not None else req.amount,
        currency=CURRENCY,
        received_at=now,
        raw=result.raw or {},
        conversation_id=req.conversation_id,
        park_reason=reason,
    )
    outcome = apply_event(session, event, now, settings=settings, channels=channels)
    # apply_event committed our claim with the payment row (or, when it had seen the reference
    # already, committed nothing): record which payment the request produced either way.
    row = session.get(ProviderPayment, outcome.row_id) if outcome.row_id else None
    session.execute(
        update(StkRequest)
        .where(StkRequest.id == req.id)
        .values(
            status="paid" if row is not None and row.status == "applied" else "review",
            result_code=0,
            result_desc=result.result_desc,
            receipt=result.receipt,
            provider_payment_id=outcome.row_id,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()
    session.refresh(req)
    log.info("payments: STK request %s -> %s", req.id, outcome.status)
    return outcome.status


def _late_receipt(session: Session, req: StkRequest, result: StkResult, now: datetime) -> None:
    """The callback of a request the query already settled: keep its receipt number for the
    officers' reconciliation, apply nothing."""
    if result.receipt:
        session.execute(
            update(StkRequest)
            .where(StkRequest.id == req.id, StkRequest.receipt.is_(None))
            .values(receipt=result.receipt, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        session.commit()
    log.info("payments: STK request %s already settled: duplicate result", req.id)


def _failed(
    session: Session,
    settings: Settings,
    channels: Channels,
    req: StkRequest,
    result: StkResult,
    now: datetime,
) -> str:
    claimed = session.execute(
        update(StkRequest)
        .where(StkRequest.id == req.id, StkRequest.status == "pending")
        .values(
            status="failed",
            result_code=result.result_code,
            result_desc=result.result_desc,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()
    session.refresh(req)
    if not claimed.rowcount:  # type: ignore[attr-defined]
        return "duplicate"  # told already (or settled otherwise): the borrower is told once
    log.info("payments: STK request %s failed (ResultCode %s)", req.id, result.result_code)
    try:
        send_paybill_notice(session, settings, channels, req, now)
    except Exception:
        # The failure is stored: a notice that cannot go out is logged, never a failed callback.
        session.rollback()
        log.exception("payments: paybill notice for STK request %s not sent", req.id)
    return "failed"
