"""A borrower's history for the lender's system: messages with their contact-policy decisions,
arrangements (plans with their instalments, promises), handoff cases, flags and payments.

Each list holds the newest ``limit`` rows, oldest first. A message's decision is what the
policy engine said (allowed, reasons, next allowed time, zones, rule pack version), not the
facts it was given (phone numbers and addresses stay here).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from outreach.integrations.flags import flag_states
from outreach.models import (
    Borrower,
    HandoffCase,
    Loan,
    Message,
    Payment,
    PaymentPlan,
    PromiseToPay,
)

DECISION_KEYS = ("allowed", "reasons", "next_allowed_at", "zones", "rules_version", "basis")
MAX_LIMIT = 1000


def _money(value: Any) -> str | None:
    return None if value is None else str(value)


def _decision(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        return None
    return {k: raw.get(k) for k in DECISION_KEYS if k in raw} | {
        "allowed": bool(raw.get("allowed")),
        "reasons": list(raw.get("reasons") or []),
    }


def _newest(session: Session, query: Any, order: Any, limit: int) -> list[Any]:
    rows = list(session.scalars(query.order_by(*(o.desc() for o in order)).limit(limit)))
    rows.reverse()
    return rows


def build(session: Session, borrower: Borrower, limit: int = 100) -> dict[str, Any]:
    """The borrower's timeline (see the module docstring), ``limit`` rows of each kind."""
    bid = borrower.id
    loans = {
        loan.id: loan.loan_number
        for loan in session.scalars(select(Loan).where(Loan.borrower_id == bid))
    }
    messages = _newest(
        session,
        select(Message).where(Message.borrower_id == bid),
        (Message.created_at, Message.id),
        limit,
    )
    plans = _newest(
        session,
        select(PaymentPlan)
        .where(PaymentPlan.borrower_id == bid)
        .options(selectinload(PaymentPlan.instalments)),
        (PaymentPlan.created_at, PaymentPlan.id),
        limit,
    )
    promises = _newest(
        session,
        select(PromiseToPay).where(PromiseToPay.borrower_id == bid),
        (PromiseToPay.created_at, PromiseToPay.id),
        limit,
    )
    cases = _newest(
        session,
        select(HandoffCase).where(HandoffCase.borrower_id == bid),
        (HandoffCase.opened_at, HandoffCase.id),
        limit,
    )
    payments = (
        _newest(
            session,
            select(Payment).where(Payment.loan_id.in_(list(loans))),
            (Payment.paid_at, Payment.id),
            limit,
        )
        if loans
        else []
    )
    return {
        "borrower": {
            "external_id": borrower.external_id,
            "loans": sorted(loans.values()),
        },
        "messages": [
            {
                "id": m.id,
                "at": m.created_at,
                "direction": m.direction,
                "channel": m.channel,
                "sender": m.sender,
                "template": m.template,
                "loan_number": loans.get(m.loan_id) if m.loan_id else None,
                "status": m.status,
                "body": m.body,
                "sent_at": m.sent_at,
                "decision": _decision(m.decision),
            }
            for m in messages
        ],
        "plans": [
            {
                "id": p.id,
                "loan_number": loans.get(p.loan_id),
                "status": p.status,
                "frequency": p.frequency,
                "instalment_amount": _money(p.instalment_amount),
                "instalment_count": p.instalment_count,
                "total": _money(p.total),
                "start_date": p.start_date,
                "created_by": p.created_by,
                "created_at": p.created_at,
                "accepted_at": p.accepted_at,
                "broken_at": p.broken_at,
                "completed_at": p.completed_at,
                "instalments": [
                    {
                        "seq": i.seq,
                        "due_date": i.due_date,
                        "amount": _money(i.amount),
                        "paid_amount": _money(i.paid_amount),
                        "status": i.status,
                    }
                    for i in p.instalments
                ],
            }
            for p in plans
        ],
        "promises": [
            {
                "id": pr.id,
                "loan_number": loans.get(pr.loan_id),
                "status": pr.status,
                "amount": _money(pr.amount),
                "promised_date": pr.promised_date,
                "created_by": pr.created_by,
                "created_at": pr.created_at,
                "resolved_at": pr.resolved_at,
            }
            for pr in promises
        ],
        "cases": [
            {
                "id": c.id,
                "reason": c.reason,
                "priority": c.priority,
                "status": c.status,
                "opened_at": c.opened_at,
                "claimed_at": c.claimed_at,
                "closed_at": c.closed_at,
            }
            for c in cases
        ],
        "flags": flag_states(borrower),
        "payments": [
            {
                "loan_number": loans.get(p.loan_id),
                "amount": _money(p.amount),
                "paid_at": p.paid_at,
                "reference": p.reference,
            }
            for p in payments
        ],
    }
