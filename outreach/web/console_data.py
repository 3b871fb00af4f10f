"""What the console shows beside a case: the borrower and loan panel, capacity, templates.

Pure reads (no commits) so the case view stays a thin route.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import (
    CaseNote,
    HandoffCase,
    Loan,
    Message,
    Officer,
    OfficerCapacity,
    PaymentPlan,
    PlanApproval,
    PromiseToPay,
)
from ..models.casework import DEFAULT_CAPACITY
from ..settings import ROOT

# Flags an officer may set or clear from the console (issue 6): the policy-blocking ones the
# borrower tells us about in a conversation, plus hardship (informational, not blocking).
CONSOLE_FLAGS = ("dispute_open", "cease_and_desist", "attorney_represented", "hardship")
CONTACT_HISTORY = 15


def capacity(session: Session, officer_id: int) -> int:
    row = session.get(OfficerCapacity, officer_id)
    return row.max_open_cases if row else DEFAULT_CAPACITY


def held(session: Session, officer_id: int) -> int:
    """Claimed, not closed, cases this officer holds now."""
    return session.scalar(select(func.count(HandoffCase.id)).where(
        HandoffCase.claimed_by_id == officer_id, HandoffCase.status == "claimed")) or 0


def assignable_officers(session: Session) -> list[Officer]:
    return list(session.scalars(select(Officer).where(
        Officer.active.is_(True), Officer.role.in_(("officer", "supervisor")))
        .order_by(Officer.name)))


def borrower_panel(session: Session, case: HandoffCase) -> dict[str, Any]:
    """Loans, plans, promises, flags (with history), recent contact and notes for the case."""
    borrower = case.borrower
    notes = session.scalars(select(CaseNote).where(CaseNote.case_id == case.id)
                            .order_by(CaseNote.id.desc())).all()
    approvals = session.scalars(select(PlanApproval).where(PlanApproval.case_id == case.id)
                                .order_by(PlanApproval.id.desc())).all()
    if borrower is None:
        return {"loans": [], "plans": [], "promises": [], "flags": [], "contacts": [],
                "notes": notes, "approvals": approvals}
    loans = session.scalars(select(Loan).where(Loan.borrower_id == borrower.id)
                            .order_by(Loan.past_due_amount.desc(), Loan.id)).all()
    plans = session.scalars(select(PaymentPlan).where(PaymentPlan.borrower_id == borrower.id)
                            .order_by(PaymentPlan.id.desc()).limit(5)).all()
    promises = session.scalars(select(PromiseToPay).where(PromiseToPay.borrower_id == borrower.id)
                               .order_by(PromiseToPay.id.desc()).limit(5)).all()
    contacts = session.scalars(select(Message).where(Message.borrower_id == borrower.id)
                               .order_by(Message.id.desc()).limit(CONTACT_HISTORY)).all()
    flags = sorted(borrower.flags, key=lambda f: f.set_at, reverse=True)
    return {"loans": loans, "plans": plans, "promises": promises, "flags": flags,
            "contacts": contacts, "notes": notes, "approvals": approvals,
            "active_flags": borrower.active_flags()}


def whatsapp_templates() -> dict[str, dict[str, Any]]:
    """Approved Content templates by name. Uses the WhatsApp engineer's loader when present
    (outreach/channels/whatsapp_templates.py); otherwise reads config/whatsapp_templates.yaml
    in the shared shape ``{whatsapp_templates: {name: {content_sid, variables, locales}}}``."""
    try:
        from ..channels.whatsapp_templates import load_templates
    except ImportError:  # their module is not in this tree yet
        path = Path(os.environ.get("WHATSAPP_TEMPLATES_CONFIG")
                    or ROOT / "config" / "whatsapp_templates.yaml")
        if not path.exists():
            return {}
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return dict(raw.get("whatsapp_templates") or {})
    try:
        return load_templates()
    except FileNotFoundError:
        return {}
