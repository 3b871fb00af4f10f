"""What the console shows beside a case: the borrower and loan panel, capacity, templates.

Pure reads (no commits) so the case view stays a thin route.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from outreach.conversations import resume as bot_resume
from outreach.models import (
    CaseNote,
    CollectionPause,
    Conversation,
    HandoffCase,
    Loan,
    Message,
    Officer,
    OfficerCapacity,
    PaymentPlan,
    PlanApproval,
    PromiseToPay,
    ProviderPayment,
    Resolution,
    VulnerabilityNote,
)
from outreach.models.casework import DEFAULT_CAPACITY
from outreach.risk.scoring import borrower_risk, scores_for_loans
from outreach.selfservice.hours import office_zone
from outreach.selfservice.locks import borrower_lock
from outreach.settings import ROOT

# Flags an officer may set or clear from the console (issue 6): the policy-blocking ones the
# borrower tells us about in a conversation, plus hardship (informational, not blocking).
CONSOLE_FLAGS = (
    "dispute_open",
    "cease_and_desist",
    "attorney_represented",
    "hardship",
    "breathing_space",
)
CONTACT_HISTORY = 15
PAYMENT_HISTORY = 10


def capacity(session: Session, officer_id: int) -> int:
    row = session.get(OfficerCapacity, officer_id)
    return row.max_open_cases if row else DEFAULT_CAPACITY


def held(session: Session, officer_id: int) -> int:
    """Claimed, not closed, cases this officer holds now."""
    return (
        session.scalar(
            select(func.count(HandoffCase.id)).where(
                HandoffCase.claimed_by_id == officer_id, HandoffCase.status == "claimed"
            )
        )
        or 0
    )


def assignable_officers(session: Session) -> list[Officer]:
    return list(
        session.scalars(
            select(Officer)
            .where(Officer.active.is_(True), Officer.role.in_(("officer", "supervisor")))
            .order_by(Officer.name)
        )
    )


def queue_state(session: Session) -> tuple[list[HandoffCase], set[int], dict[str, Any]]:
    """Open cases (loaded in three queries), those where the borrower wrote last, and a key that
    changes whenever a case opens or a borrower writes on an open case (console.js announces
    a change without a reload).

    Order: priority first (urgent reasons such as a dispute stay on top), then the borrower's
    risk score, highest first (``outreach.risk``; unscored borrowers after scored ones), then
    the oldest case. ``meta["risk"]`` holds each scored case's score."""
    risk = borrower_risk()
    rows = session.execute(
        select(HandoffCase, risk.c.risk)
        .outerjoin(risk, risk.c.borrower_id == HandoffCase.borrower_id)
        .where(HandoffCase.status != "closed")
        .options(
            selectinload(HandoffCase.borrower),
            selectinload(HandoffCase.conversation),
            selectinload(HandoffCase.claimed_by),
        )
        .order_by(
            HandoffCase.priority,
            risk.c.risk.is_(None),
            risk.c.risk.desc(),
            HandoffCase.opened_at,
            HandoffCase.id,
        )
    ).all()
    cases = [case for case, _ in rows]
    scores = {case.id: score for case, score in rows if score is not None}
    conv_ids = [c.conversation_id for c in cases]
    last: dict[int, int] = {}
    last_in: dict[int, int] = {}
    if conv_ids:
        for direction_in, target in ((False, last), (True, last_in)):
            query = select(Message.conversation_id, func.max(Message.id)).where(
                Message.conversation_id.in_(conv_ids)
            )
            if direction_in:
                query = query.where(Message.direction == "in")
            target.update(session.execute(query.group_by(Message.conversation_id)).all())
    waiting = {
        c.id
        for c in cases
        if last_in.get(c.conversation_id)
        and last_in[c.conversation_id] == last.get(c.conversation_id)
    }
    approvals = (
        session.scalar(select(func.count(PlanApproval.id)).where(PlanApproval.status == "pending"))
        or 0
    )
    key = f"{max((c.id for c in cases), default=0)}-{max(last_in.values(), default=0)}"
    return (
        cases,
        waiting,
        {
            "key": key,
            "open": len(cases),
            "waiting": len(waiting),
            "approvals": approvals,
            "risk": scores,
        },
    )


def resume_pending(session: Session) -> list[tuple[Conversation, HandoffCase | None]]:
    """Conversations handed back to the bot that Rasa has not resumed yet (security finding 6),
    oldest first, each with its latest case."""
    rows = []
    for conv in bot_resume.pending(session):
        case = session.scalar(
            select(HandoffCase)
            .where(HandoffCase.conversation_id == conv.id)
            .order_by(HandoffCase.id.desc())
            .limit(1)
        )
        rows.append((conv, case))
    return rows


def pending_resolutions(session: Session) -> list[Resolution]:
    """Settlement, holiday and waiver requests waiting for a decision (issue 17)."""
    return list(
        session.scalars(
            select(Resolution).where(Resolution.status == "requested").order_by(Resolution.id)
        )
    )


def pending_approvals(session: Session) -> list[PlanApproval]:
    return list(
        session.scalars(
            select(PlanApproval).where(PlanApproval.status == "pending").order_by(PlanApproval.id)
        )
    )


def identity_lock(session: Session, borrower_id: int, now: datetime) -> dict[str, Any] | None:
    """The identity-check lock-out in force for the borrower, with its end in the lender's zone
    ("16:30 (America/Chicago)"); None when the check is open."""
    lock = borrower_lock(session, borrower_id, now)
    if lock is None:
        return None
    zone = office_zone()
    local = lock.locked_until.astimezone(zone)
    return {"until": lock.locked_until, "text": f"{local:%H:%M} ({zone.key})"}


def borrower_panel(session: Session, case: HandoffCase, now: datetime) -> dict[str, Any]:
    """Loans, plans, promises, flags (with history), recent contact, notes and an identity
    lock-out for the case."""
    borrower = case.borrower
    notes = session.scalars(
        select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.id.desc())
    ).all()
    approvals = session.scalars(
        select(PlanApproval).where(PlanApproval.case_id == case.id).order_by(PlanApproval.id.desc())
    ).all()
    if borrower is None:
        return {
            "loans": [],
            "plans": [],
            "promises": [],
            "flags": [],
            "contacts": [],
            "notes": notes,
            "approvals": approvals,
            "resolutions": [],
        }
    loans = session.scalars(
        select(Loan)
        .where(Loan.borrower_id == borrower.id)
        .order_by(Loan.past_due_amount.desc(), Loan.id)
    ).all()
    plans = session.scalars(
        select(PaymentPlan)
        .where(PaymentPlan.borrower_id == borrower.id)
        .order_by(PaymentPlan.id.desc())
        .limit(5)
    ).all()
    promises = session.scalars(
        select(PromiseToPay)
        .where(PromiseToPay.borrower_id == borrower.id)
        .order_by(PromiseToPay.id.desc())
        .limit(5)
    ).all()
    contacts = session.scalars(
        select(Message)
        .where(Message.borrower_id == borrower.id)
        .order_by(Message.id.desc())
        .limit(CONTACT_HISTORY)
    ).all()
    flags = sorted(borrower.flags, key=lambda f: f.set_at, reverse=True)
    # Shown only to whoever handles the case (the template checks can_work): FG21/1 need to know.
    care_notes = session.scalars(
        select(VulnerabilityNote)
        .where(VulnerabilityNote.borrower_id == borrower.id)
        .order_by(VulnerabilityNote.id.desc())
    ).all()
    pauses = session.scalars(
        select(CollectionPause).where(
            CollectionPause.borrower_id == borrower.id,
            CollectionPause.ends_at > now,
            CollectionPause.ended_early_at.is_(None),
        )
    ).all()
    return {
        "care_notes": care_notes,
        "pauses": pauses,
        "risk": scores_for_loans(session, [loan.id for loan in loans]),
        "payments": product_payments(session, [loan.id for loan in loans]),
        "loans": loans,
        "plans": plans,
        "promises": promises,
        "flags": flags,
        "contacts": contacts,
        "notes": notes,
        "approvals": approvals,
        "resolutions": session.scalars(
            select(Resolution)
            .where(Resolution.borrower_id == borrower.id)
            .order_by(Resolution.id.desc())
            .limit(10)
        ).all(),
        "active_flags": borrower.active_flags(),
        "identity_lock": identity_lock(session, borrower.id, now),
        "office_zone": office_zone().key,
    }


def product_payments(session: Session, loan_ids: list[int]) -> list[dict[str, Any]]:
    """The newest payments providers reported on these loans (applied, waiting for review in
    another currency, refunded), with the time in the lender's zone where officers read it."""
    if not loan_ids:
        return []
    zone = office_zone()
    rows = session.scalars(
        select(ProviderPayment)
        .where(ProviderPayment.loan_id.in_(loan_ids))
        .order_by(ProviderPayment.received_at.desc(), ProviderPayment.id.desc())
        .limit(PAYMENT_HISTORY)
    ).all()
    return [
        {
            "provider": r.provider,
            "amount": r.amount,
            "currency": r.currency,
            "when": f"{r.received_at.astimezone(zone):%Y-%m-%d %H:%M}",
            "status": r.status,
            "matched": r.status == "applied" and r.resolved_at is not None,
        }
        for r in rows
    ]


def whatsapp_templates() -> dict[str, dict[str, Any]]:
    """Approved Content templates by name. Uses the WhatsApp engineer's loader when present
    (outreach/channels/whatsapp_templates.py); otherwise reads config/whatsapp_templates.yaml
    in the shared shape ``{whatsapp_templates: {name: {content_sid, variables, locales}}}``."""
    try:
        from outreach.channels.whatsapp_templates import load_templates
    except ImportError:  # their module is not in this tree yet
        path = Path(
            os.environ.get("WHATSAPP_TEMPLATES_CONFIG")
            or ROOT / "config" / "whatsapp_templates.yaml"
        )
        if not path.exists():
            return {}
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return dict(raw.get("whatsapp_templates") or {})
    try:
        return load_templates()
    except FileNotFoundError:
        return {}
