"""Fineract hooks: stored first, then acted on by asking Fineract itself.

Fineract's "Web" hook template POSTs the command's request and result as JSON with the headers
``X-Fineract-Entity`` and ``X-Fineract-Action`` (``WebHookService``), once, unsigned and never
retried. So the endpoint sits behind a secret path token, stores every hook before doing
anything (``fineract_hooks``), and never believes the body: it takes only the loan and
transaction ids from it and reads the loan and the transaction from Fineract's API.

- ``LOAN`` ``REPAYMENT``: the transaction (``GET /loans/{id}/transactions/{tx}``) is posted as a
  payment (provider ``fineract``, reference the transaction id) through
  ``outreach.payments.apply.apply_event``: arrangements move, covered reminders stop; the loan's
  balance is read again first.
- any other ``LOAN`` action (disbursal, adjustment, write-off, close...): the loan is read again.
- other entities: kept as ``ignored``.

When Fineract cannot be reached the hook stays ``pending`` and the scheduler's Fineract job
tries it again: nothing a hook announced is lost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outreach.channels import Channels
from outreach.integrations.fineract.client import (
    FineractClient,
    FineractRefused,
    FineractUnavailable,
    fineract_date,
)
from outreach.integrations.fineract.pull import refresh_loan
from outreach.models import FineractHook
from outreach.payments.apply import apply_event
from outreach.payments.base import PaymentEvent, decimal_amount
from outreach.settings import Settings

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 50  # a hook Fineract keeps failing on (every run for days) is given up, kept


@dataclass
class HookReport:
    done: int = 0
    ignored: int = 0
    pending: int = 0
    failed: list[str] = field(default_factory=list)


def store(
    session: Session,
    entity: str,
    action: str,
    tenant: str | None,
    body: dict[str, Any],
    now: datetime,
) -> FineractHook:
    """Keep a hook as Fineract sent it (committed): answered 200 only once this is done."""
    hook = FineractHook(
        entity=entity[:64],
        action=action[:64],
        tenant=(tenant or None) and tenant[:100],
        body=body,
        status="pending",
        received_at=now,
    )
    session.add(hook)
    session.commit()
    return hook


def _ids(body: dict[str, Any]) -> tuple[int | None, int | None]:
    """(Fineract loan id, resource id) from a hook body: ``response`` is the command's
    ``CommandProcessingResult`` (``loanId``, ``resourceId``)."""
    response = body.get("response") if isinstance(body.get("response"), dict) else {}
    loan_id = response.get("loanId") or body.get("loanId")
    resource = response.get("resourceId")
    if loan_id is None and body.get("entityName", "LOAN") == "LOAN":
        loan_id = resource  # LOAN CREATE/APPROVE/DISBURSE: the resource is the loan
    as_int = [
        v if isinstance(v, int) and not isinstance(v, bool) else None for v in (loan_id, resource)
    ]
    return as_int[0], as_int[1]


def process(
    session: Session,
    hook: FineractHook,
    fineract: FineractClient,
    settings: Settings,
    channels: Channels,
    now: datetime,
) -> str:
    """Act on one stored hook; its new status (``pending`` again when Fineract is down)."""
    if hook.entity.upper() != "LOAN":
        return _close(session, hook, "ignored", now)
    loan_id, resource_id = _ids(hook.body)
    if loan_id is None:
        return _close(session, hook, "failed", now, "body: no response.loanId")
    hook.attempts += 1
    try:
        loan = refresh_loan(session, fineract, settings, loan_id, now)
        if hook.action.upper() == "REPAYMENT" and resource_id is not None and loan is not None:
            event = _payment(fineract, loan_id, resource_id, loan.loan_number, hook)
            if event is not None:
                outcome = apply_event(session, event, now, settings=settings, channels=channels)
                log.info("fineract: repayment %s -> %s", resource_id, outcome.status)
    except FineractUnavailable as exc:
        hook.error = str(exc)
        if hook.attempts >= MAX_ATTEMPTS:
            return _close(session, hook, "failed", now, str(exc))
        session.commit()
        return "pending"
    except (FineractRefused, ValueError, KeyError, TypeError) as exc:
        session.rollback()
        return _close(session, hook, "failed", now, str(exc))
    return _close(session, hook, "done", now)


def _payment(
    fineract: FineractClient,
    loan_id: int,
    transaction_id: int,
    loan_number: str,
    hook: FineractHook,
) -> PaymentEvent | None:
    """The repayment as Fineract itself reports it (never the hook's own numbers)."""
    tx = fineract.transaction(loan_id, transaction_id)
    kind = tx.get("type") or {}
    if not kind.get("repayment") or tx.get("manuallyReversed"):
        return None
    currency = str((tx.get("currency") or {}).get("code") or "")
    tx_date = fineract_date(tx.get("date"))
    return PaymentEvent(
        provider="fineract",
        reference=str(tx["id"]),
        loan_number=loan_number,
        amount=decimal_amount(tx.get("amount")),
        currency=currency.upper(),
        # When we learnt of it: the transaction's own date is a business date without a time
        # (often backdated), which would count it before a promise made the same morning.
        received_at=hook.received_at,
        raw={
            "fineract_loan_id": loan_id,
            "transaction_id": tx["id"],
            "date": tx_date.isoformat() if tx_date else None,
        },
    )


def _close(
    session: Session, hook: FineractHook, status: str, now: datetime, error: str | None = None
) -> str:
    hook.status, hook.error, hook.done_at = status, error, now
    session.commit()
    return status


def process_pending(
    session: Session,
    fineract: FineractClient,
    settings: Settings,
    channels: Channels,
    now: datetime,
) -> HookReport:
    """Retry the hooks still pending, oldest first; stop at the first that finds Fineract down
    (the others would too)."""
    report = HookReport()
    for hook in session.scalars(
        select(FineractHook).where(FineractHook.status == "pending").order_by(FineractHook.id)
    ).all():
        status = process(session, hook, fineract, settings, channels, now)
        if status == "pending":
            report.pending = (
                session.scalar(
                    select(func.count())
                    .select_from(FineractHook)
                    .where(FineractHook.status == "pending")
                )
                or 0
            )
            break
        if status == "failed":
            report.failed.append(f"hook {hook.id} {hook.entity} {hook.action}: {hook.error}")
        elif status == "ignored":
            report.ignored += 1
        else:
            report.done += 1
    return report
