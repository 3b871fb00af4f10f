"""One borrower's history in time order: every source an auditor asks about, merged."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from outreach.models import (
    AuditEvent,
    BorrowerFlag,
    HandoffCase,
    LegalHold,
    Loan,
    Message,
    MessageEvent,
    Payment,
    PaymentPlan,
    PromiseToPay,
    ProviderPayment,
)

# Audit actions shown under their own kind; message.* events repeat the message rows.
KIND_BY_ACTION = {
    "consent.opt_out": "consent",
    "consent.opt_in": "consent",
    "consent.opt_in_refused": "consent",
    "borrower.viewed": "access",
    "subject.exported": "access",
    "payment.received": "payment",
    "payment.parked": "payment",
    "payment.matched": "payment",
    "payment.refunded": "payment",
    # Issue 18: stage moves and letters (a letter's Message row shows it as "out letter" too).
    "stage.moved": "stage",
    "stage.held": "stage",
    "letter.created": "letter",
    "letter.printed": "letter",
    "letter.emailed": "letter",
    "letter.blocked": "letter",
    "letter.downloaded": "access",
}

SKIPPED_ACTIONS = {"message.out", "message.in", "message.blocked", "message.sent"}


@dataclass
class Entry:
    at: datetime
    kind: str  # message | decision | delivery | consent | flag | plan | promise | handoff | ...
    title: str
    detail: dict[str, Any] = field(default_factory=dict)
    message: Message | None = None


def build(session: Session, borrower_id: int, limit: int = 2000) -> list[Entry]:
    """The newest ``limit`` entries of every kind for one borrower, oldest first."""
    entries: list[Entry] = []
    messages = session.scalars(
        select(Message)
        .where(Message.borrower_id == borrower_id)
        .order_by(Message.created_at.desc())
        .limit(limit)
    ).all()
    for m in messages:
        entries.append(Entry(m.created_at, "message", f"{m.direction} {m.channel}", message=m))
    ids = [m.id for m in messages]
    if ids:
        for e in session.scalars(select(MessageEvent).where(MessageEvent.message_id.in_(ids))):
            entries.append(
                Entry(
                    e.at,
                    "delivery",
                    f"message #{e.message_id}: {e.status}",
                    {"error_code": e.error_code} if e.error_code else {},
                )
            )
    for f in session.scalars(select(BorrowerFlag).where(BorrowerFlag.borrower_id == borrower_id)):
        entries.append(Entry(f.set_at, "flag", f"flag set: {f.flag}", {"reason": f.reason}))
        if f.cleared_at:
            entries.append(Entry(f.cleared_at, "flag", f"flag cleared: {f.flag}"))
    for p in session.scalars(select(PaymentPlan).where(PaymentPlan.borrower_id == borrower_id)):
        entries.append(
            Entry(
                p.created_at,
                "plan",
                f"plan #{p.id} proposed by {p.created_by}",
                {
                    "instalments": f"{p.instalment_count} x {p.instalment_amount} {p.frequency}",
                    "total": str(p.total),
                },
            )
        )
        for at, what in (
            (p.accepted_at, "accepted"),
            (p.broken_at, "broken"),
            (p.completed_at, "completed"),
        ):
            if at:
                entries.append(Entry(at, "plan", f"plan #{p.id} {what}"))
    for pr in session.scalars(select(PromiseToPay).where(PromiseToPay.borrower_id == borrower_id)):
        entries.append(
            Entry(
                pr.created_at,
                "promise",
                f"promise #{pr.id}: {pr.amount or ''} by {pr.promised_date}",
                {"by": pr.created_by},
            )
        )
        if pr.resolved_at:
            entries.append(Entry(pr.resolved_at, "promise", f"promise #{pr.id} {pr.status}"))
    for c in session.scalars(select(HandoffCase).where(HandoffCase.borrower_id == borrower_id)):
        entries.append(Entry(c.opened_at, "handoff", f"handoff case #{c.id} opened: {c.reason}"))
        if c.claimed_at:
            entries.append(
                Entry(
                    c.claimed_at, "handoff", f"case #{c.id} claimed by officer #{c.claimed_by_id}"
                )
            )
        if c.closed_at:
            entries.append(Entry(c.closed_at, "handoff", f"case #{c.id} closed"))
    loans = select(Loan.id).where(Loan.borrower_id == borrower_id)
    entries.extend(_payments(session, loans))
    for h in session.scalars(select(LegalHold).where(LegalHold.borrower_id == borrower_id)):
        entries.append(
            Entry(h.placed_at, "hold", f"legal hold placed by {h.placed_by}", {"reason": h.reason})
        )
        if h.released_at:
            entries.append(Entry(h.released_at, "hold", f"legal hold released by {h.released_by}"))
    events = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.borrower_id == borrower_id, or_(AuditEvent.action.not_in(SKIPPED_ACTIONS))
        )
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    for a in events:
        kind = KIND_BY_ACTION.get(a.action, "event")
        entries.append(Entry(a.at, kind, f"{a.action} by {a.actor}", a.details or {}))
    entries.sort(key=lambda e: (e.at, e.kind != "message"))
    return entries[-limit:]


def _payments(session: Session, loans: Any) -> list[Entry]:
    """Each payment on the borrower's loans, with its provider when one reported it. A payment
    parked on arrival says so: its ``payment.parked`` event may name no borrower (no loan
    matched), so this entry is where the borrower's history shows it was parked and matched."""
    out = []
    rows = session.execute(
        select(Payment, ProviderPayment)
        .outerjoin(ProviderPayment, ProviderPayment.payment_id == Payment.id)
        .where(Payment.loan_id.in_(loans))
    ).all()
    for pay, via in rows:
        if via is None:  # a payment from the lender's own system
            out.append(
                Entry(pay.paid_at, "payment", f"payment {pay.amount} on loan #{pay.loan_id}")
            )
            continue
        title = f"payment {pay.amount} {via.currency} via {via.provider} on loan #{pay.loan_id}"
        detail = {"reference": via.reference}
        if via.resolved_at is not None:  # parked on arrival, matched later by a supervisor
            title += " (parked for review, then matched)"
            detail.update(
                parked=via.review_reason or "",
                named=via.loan_number or "",
                matched_at=f"{via.resolved_at:%Y-%m-%d %H:%M:%S}",
                matched_by=f"officer #{via.resolved_by_id}",
            )
        out.append(Entry(pay.paid_at, "payment", title, detail))
    return out
