"""The STK status query: settling prompts whose result callback never came.

Every minute (``scheduler.py``, job ``stk_query``) each pending prompt sent more than
``query_after_seconds`` ago (config/payments.yaml ``mpesa``) is asked about through Daraja's
M-Pesa Express Query:

- ``ResultCode`` 0: paid, applied once through the same code as the callback
  (``outreach.payments.stk_settle``). The query answers no receipt number, amount or phone: the
  payment is the amount we asked for, and its provider reference is the request's
  ``CheckoutRequestID`` (unique per prompt, and one request produces at most one payment, so
  a callback arriving later is a duplicate; its receipt number is kept on the request);
- another final code (1032 cancelled, 1037 no answer, 1 insufficient funds, ...): failed, and
  the borrower gets the paybill message once;
- still processing (Daraja's ``500.001.1001`` "The transaction is being processed"): left.

A prompt still unsettled ``expire_after_hours`` after it was sent is ``expired``. A Daraja that
is down leaves every prompt pending (logged; the next run asks again). Demo-mode prompts are
never queried (there is nothing to ask): they wait for the sandbox phone, then expire.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from outreach.audit import log as audit
from outreach.channels import Channels
from outreach.models import StkRequest
from outreach.payments.daraja import DarajaError
from outreach.payments.mpesa import Mpesa
from outreach.payments.providers import configured
from outreach.payments.stk import daraja_for, stk_config
from outreach.payments.stk_result import StkResult
from outreach.payments.stk_settle import settle
from outreach.settings import Settings

log = logging.getLogger(__name__)
BATCH = 100  # prompts asked about per run: Daraja rate-limits its query API


@dataclass
class QueryReport:
    """What one run did, by request id."""

    settled: dict[int, str] = field(default_factory=dict)  # id -> applied/review/failed/...
    processing: list[int] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)
    unreachable: bool = False


def expire_stale(session: Session, now: datetime) -> list[int]:
    """Mark prompts unsettled after ``expire_after_hours`` as expired; their ids."""
    cutoff = now - timedelta(hours=float(stk_config()["expire_after_hours"]))
    stale = session.scalars(
        select(StkRequest.id).where(StkRequest.status == "pending", StkRequest.created_at <= cutoff)
    ).all()
    expired = []
    for req_id in stale:
        done = session.execute(
            update(StkRequest)
            .where(StkRequest.id == req_id, StkRequest.status == "pending")
            .values(status="expired", updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount:  # type: ignore[attr-defined]
            expired.append(req_id)
            audit.record(
                session,
                "payments:mpesa",
                "payment.stk_expired",
                subject=f"stk_request:{req_id}",
                borrower_id=session.get(StkRequest, req_id).borrower_id,  # type: ignore[union-attr]
                at=now,
            )
    session.commit()
    return expired


def query_pending(
    session: Session, settings: Settings, channels: Channels, now: datetime
) -> QueryReport:
    """One run of the status query (see the module docstring)."""
    report = QueryReport(expired=expire_stale(session, now))
    provider = configured(settings).get("mpesa")
    if not isinstance(provider, Mpesa):
        return report  # demo mode or M-Pesa not configured: nothing to ask
    after = now - timedelta(seconds=float(stk_config()["query_after_seconds"]))
    due = session.scalars(
        select(StkRequest)
        .where(
            StkRequest.status == "pending",
            StkRequest.sandbox.is_(False),
            StkRequest.created_at <= after,
        )
        .order_by(StkRequest.created_at, StkRequest.id)
        .limit(BATCH)
    ).all()
    daraja = daraja_for(provider)
    for req in due:
        try:
            status = daraja.stk_query(req.checkout_request_id, now)
        except DarajaError as exc:
            # Down or refusing: every prompt stays pending and the next run asks again.
            log.warning(
                "payments: STK query unavailable, %s prompt(s) left pending: %s", len(due), exc
            )
            report.unreachable = True
            break
        if status.processing:
            report.processing.append(req.id)
            continue
        result = StkResult(
            merchant_request_id=req.merchant_request_id,
            checkout_request_id=req.checkout_request_id,
            result_code=int(status.result_code or 0),
            result_desc=status.result_desc,
            amount=req.amount if status.result_code == 0 else None,
            raw={"stk_query": {"ResultCode": status.result_code, "ResultDesc": status.result_desc}},
        )
        report.settled[req.id] = settle(session, settings, channels, req, result, now)
    return report
