"""The set-based planning queries: every reminder due today, for the whole book, in a few queries.

Each query reads only the columns a reminder needs, with the stop and pause conditions as
columns or ``WHERE`` clauses (``campaign_stops``), so the cost does not grow with per-loan lookups.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from .campaign_config import CampaignConfig, Reminder, Step
from .campaign_report import Planned
from .campaign_steps import pick_segment, pick_step, recent_steps, sent_recently
from .campaign_stops import (
    OPEN_PLAN,
    flag_open,
    handoff_open,
    plan_open,
    promise_open,
    stop_reason,
)
from .models import Borrower, Loan, PaymentPlan, PlanInstalment, PromiseToPay


def _planned(
    *,
    key: str,
    loan_id: int,
    borrower_id: int,
    step: str,
    rule: Step | Reminder,
    locale: str | None,
    kind: str,
    amount: str,
    currency: str,
    stopped_by: str | None = None,
    **details: Any,
) -> Planned:
    """One reminder from the config entry (``rule``) that chose it: every kind carries the same
    leading payload fields (the dispatcher reads ``channels`` to fall back along them)."""
    return Planned(
        key=key,
        loan_id=loan_id,
        borrower_id=borrower_id,
        step=step,
        template=rule.template,
        channels=rule.channels,
        locale=locale or "en",
        stopped_by=stopped_by,
        payload={
            "kind": kind,
            "channels": list(rule.channels),
            "amount": amount,
            "currency": currency,
            **details,
        },
    )


def cadence_candidates(
    session: Session, config: CampaignConfig, today: date, include_stopped: bool = False
) -> list[Planned]:
    """Every loan due a cadence step today (set-based: one query, no per-loan ORM loading)."""
    earliest = min(s.day for steps in config.cadences.values() for s in steps)
    flag, handoff, plan, promise = (
        flag_open().label("flag"),
        handoff_open().label("handoff"),
        plan_open().label("plan"),
        promise_open().label("promise"),
    )
    rows = session.execute(
        select(
            Loan.id,
            Loan.borrower_id,
            Loan.product,
            Loan.currency,
            Loan.outstanding,
            Loan.days_past_due,
            Loan.next_due_date,
            Loan.next_due_amount,
            Loan.past_due_amount,
            Borrower.locale,
            flag,
            handoff,
            plan,
            promise,
        )
        .join(Borrower, Borrower.id == Loan.borrower_id)
        .where(
            Loan.status.in_(("current", "delinquent")),
            Loan.outstanding > 0,
            or_(
                Loan.days_past_due > 0,
                and_(
                    Loan.next_due_date.is_not(None),
                    Loan.next_due_date <= today - timedelta(days=earliest),
                    Loan.next_due_date >= today,
                ),
            ),
        )
    ).all()
    sent = recent_steps(session, today)
    out = []
    for (
        loan_id,
        borrower_id,
        product,
        currency,
        outstanding,
        dpd,
        next_due,
        next_amount,
        past_due,
        locale,
        f,
        h,
        p,
        pr,
    ) in rows:
        dpd = dpd or 0
        anchor = today - timedelta(days=dpd) if dpd > 0 else next_due
        seg = pick_segment(config, product, dpd, outstanding)
        if seg is None or anchor is None:
            continue
        step = pick_step(config.cadences[seg.cadence], (today - anchor).days, dpd)
        if step is None:
            continue
        stopped = stop_reason(f, h, p, pr)
        if stopped and not include_stopped:
            continue
        if sent_recently(sent, loan_id, step, anchor, config.cadences[seg.cadence]):
            continue
        amount = past_due if dpd > 0 and past_due else next_amount or outstanding
        out.append(
            _planned(
                key=f"c:{loan_id}:{step.name}:{anchor.isoformat()}",
                loan_id=loan_id,
                borrower_id=borrower_id,
                step=f"{seg.name}{step.name}",
                rule=step,
                locale=locale,
                kind="cadence",
                amount=str(amount),
                currency=currency,
                stopped_by=stopped,
                due_date=anchor.isoformat(),
                days_past_due=dpd,
            )
        )
    return out


def arrangement_candidates(session: Session, config: CampaignConfig, today: date) -> list[Planned]:
    """Instalment reminders for current plans and day-before reminders for open promises."""
    blocked = or_(flag_open(), handoff_open())
    out = []
    inst = config.instalment
    rows = session.execute(
        select(
            PlanInstalment.id,
            PlanInstalment.seq,
            PlanInstalment.due_date,
            PlanInstalment.amount,
            PaymentPlan.instalment_count,
            Loan.id,
            Loan.borrower_id,
            Loan.currency,
            Borrower.locale,
        )
        .join(PaymentPlan, PaymentPlan.id == PlanInstalment.plan_id)
        .join(Loan, Loan.id == PaymentPlan.loan_id)
        .join(Borrower, Borrower.id == Loan.borrower_id)
        .where(
            PaymentPlan.status.in_(OPEN_PLAN),
            PlanInstalment.status == "due",
            PlanInstalment.due_date >= today,
            PlanInstalment.due_date <= today + timedelta(days=inst.days_before),
            ~blocked,
        )
    ).all()
    for inst_id, seq, due, amount, count, loan_id, borrower_id, currency, locale in rows:
        out.append(
            _planned(
                key=f"i:{inst_id}:{due.isoformat()}",
                loan_id=loan_id,
                borrower_id=borrower_id,
                step=f"instalment{seq}",
                rule=inst,
                locale=locale,
                kind="instalment",
                amount=str(amount),
                currency=currency,
                due_date=due.isoformat(),
                instalment_number=seq,
                instalment_count=count,
                instalment_id=inst_id,
            )
        )
    ptp = config.promise
    rows = session.execute(
        select(
            PromiseToPay.id,
            PromiseToPay.promised_date,
            PromiseToPay.amount,
            Loan.id,
            Loan.borrower_id,
            Loan.currency,
            Borrower.locale,
        )
        .join(Loan, Loan.id == PromiseToPay.loan_id)
        .join(Borrower, Borrower.id == Loan.borrower_id)
        .where(
            PromiseToPay.status == "open",
            PromiseToPay.promised_date > today,
            PromiseToPay.promised_date <= today + timedelta(days=ptp.days_before),
            ~blocked,
        )
    ).all()
    for ptp_id, promised, amount, loan_id, borrower_id, currency, locale in rows:
        out.append(
            _planned(
                key=f"p:{ptp_id}:{promised.isoformat()}",
                loan_id=loan_id,
                borrower_id=borrower_id,
                step="promise",
                rule=ptp,
                locale=locale,
                kind="promise",
                amount=str(amount) if amount is not None else "",
                currency=currency,
                promised_date=promised.isoformat(),
                promise_id=ptp_id,
            )
        )
    return out
