"""The planning pass: which reminders are due today, for the whole book, in a few queries.

One narrow query reads every loan that could be due a cadence step (with its stop and pause
conditions as columns, not per-loan lookups); the step is chosen in memory from
``config/campaigns.yaml``; the rows are inserted in bulk with ``ON CONFLICT DO NOTHING`` on the
idempotency key ``c:<loan>:<step>:<anchor date>`` (``i:<instalment>:<due>`` and
``p:<promise>:<date>`` for arrangement reminders), so re-running a pass never duplicates a message.

What stops or pauses a loan's cadence (checked again by the dispatcher at send time):
- stopped: loan paid or charged off, nothing outstanding, no due date; a current loan (0 days past
  due) gets only the steps up to its due day;
- stopped: any uncleared ``BorrowerFlag`` (dispute, cease and desist, attorney, bankruptcy, ...);
- paused: an open handoff case (the officer owns the conversation);
- replaced: an accepted/current payment plan (instalment reminders instead);
- paused: an open promise to pay (one reminder the day before its date instead).
A broken plan or promise no longer matches, so the cadence resumes by itself.

Bodies are rendered by the dispatcher when the channel is known, with the fresh signed link.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, exists, insert, or_, select
from sqlalchemy.orm import Session

from .campaign_config import CampaignConfig, Segment, Step, load_config
from .models import (
    Borrower,
    BorrowerFlag,
    HandoffCase,
    Loan,
    OutboxItem,
    PaymentPlan,
    PlanInstalment,
    PromiseToPay,
)

log = logging.getLogger(__name__)
OPEN_PLAN = ("accepted", "current")
INSERT_CHUNK = 5000
RECENT_DAYS = 90


@dataclass
class Planned:
    """One reminder the pass wants to queue (or, in a dry run, reports as paused/stopped)."""

    key: str
    loan_id: int
    borrower_id: int
    step: str
    template: str
    channels: tuple[str, ...]
    locale: str
    payload: dict[str, Any]
    stopped_by: str | None = None  # the rule that pauses or stops it (dry run only)


@dataclass
class PlanReport:
    considered: int = 0
    queued: int = 0
    already_queued: int = 0
    stopped: dict[str, int] = field(default_factory=dict)
    items: list[Planned] = field(default_factory=list)


def _flag_open():
    return exists().where(
        BorrowerFlag.borrower_id == Loan.borrower_id, BorrowerFlag.cleared_at.is_(None)
    )


def _handoff_open():
    return exists().where(
        HandoffCase.borrower_id == Loan.borrower_id, HandoffCase.status != "closed"
    )


def _plan_open():
    return exists().where(PaymentPlan.loan_id == Loan.id, PaymentPlan.status.in_(OPEN_PLAN))


def _promise_open():
    return exists().where(PromiseToPay.loan_id == Loan.id, PromiseToPay.status == "open")


def pick_segment(
    config: CampaignConfig, product: str, dpd: int, outstanding: Decimal
) -> Segment | None:
    for seg in config.segments:
        if seg.products and product not in seg.products:
            continue
        if seg.min_days_past_due is not None and dpd < seg.min_days_past_due:
            continue
        if seg.max_days_past_due is not None and dpd > seg.max_days_past_due:
            continue
        if seg.min_outstanding is not None and outstanding < seg.min_outstanding:
            continue
        if seg.max_outstanding is not None and outstanding > seg.max_outstanding:
            continue
        return seg
    return None


def pick_step(steps: tuple[Step, ...], offset: int, dpd: int) -> Step | None:
    """The last step whose day <= offset; a loan not in arrears gets no after-due step."""
    chosen = None
    for step in steps:
        if step.day <= offset and (dpd > 0 or step.day <= 0):
            chosen = step
    return chosen


def _stop_reason(flag: bool, handoff: bool, plan: bool, promise: bool) -> str | None:
    if flag:
        return "borrower_flag"
    if handoff:
        return "handoff_open"
    if plan:
        return "plan_current"
    if promise:
        return "promise_open"
    return None


def _recent_steps(session: Session, today: date) -> dict[tuple[int, str], list[date]]:
    """Anchors of the cadence steps queued in the last ``RECENT_DAYS``, by (loan, step)."""
    out: dict[tuple[int, str], list[date]] = {}
    rows = session.scalars(
        select(OutboxItem.idempotency_key).where(
            OutboxItem.idempotency_key.like("c:%"),
            OutboxItem.created_at
            >= datetime.combine(
                today - timedelta(days=RECENT_DAYS), datetime.min.time(), tzinfo=UTC
            ),
        )
    )
    for key in rows:
        _, loan, step, anchor = key.split(":", 3)
        out.setdefault((int(loan), step), []).append(date.fromisoformat(anchor))
    return out


def _sent_recently(
    sent: dict[tuple[int, str], list[date]],
    loan_id: int,
    step: Step,
    anchor: date,
    steps: tuple[Step, ...],
) -> bool:
    """``days_past_due`` is a snapshot from the last import: if an import is skipped, today's
    anchor (today - days_past_due) moves by a day. The same step for an anchor closer than the
    gap to the next step is the same delinquency, so it is not queued again."""
    later = [s.day for s in steps if s.day > step.day]
    gap = (later[0] - step.day) if later else RECENT_DAYS
    return any(abs((anchor - a).days) < gap for a in sent.get((loan_id, step.name), ()))


def cadence_candidates(
    session: Session, config: CampaignConfig, today: date, include_stopped: bool = False
) -> list[Planned]:
    """Every loan due a cadence step today (set-based: one query, no per-loan ORM loading)."""
    earliest = min(s.day for steps in config.cadences.values() for s in steps)
    flag, handoff, plan, promise = (
        _flag_open().label("flag"),
        _handoff_open().label("handoff"),
        _plan_open().label("plan"),
        _promise_open().label("promise"),
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
    sent = _recent_steps(session, today)
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
        stopped = _stop_reason(f, h, p, pr)
        if stopped and not include_stopped:
            continue
        if _sent_recently(sent, loan_id, step, anchor, config.cadences[seg.cadence]):
            continue
        amount = past_due if dpd > 0 and past_due else next_amount or outstanding
        out.append(
            Planned(
                key=f"c:{loan_id}:{step.name}:{anchor.isoformat()}",
                loan_id=loan_id,
                borrower_id=borrower_id,
                step=f"{seg.name}{step.name}",
                template=step.template,
                channels=step.channels,
                locale=locale or "en",
                stopped_by=stopped,
                payload={
                    "kind": "cadence",
                    "channels": list(step.channels),
                    "amount": str(amount),
                    "currency": currency,
                    "due_date": anchor.isoformat(),
                    "days_past_due": dpd,
                },
            )
        )
    return out


def arrangement_candidates(session: Session, config: CampaignConfig, today: date) -> list[Planned]:
    """Instalment reminders for current plans and day-before reminders for open promises."""
    blocked = or_(_flag_open(), _handoff_open())
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
            Planned(
                key=f"i:{inst_id}:{due.isoformat()}",
                loan_id=loan_id,
                borrower_id=borrower_id,
                step=f"instalment{seq}",
                template=inst.template,
                channels=inst.channels,
                locale=locale or "en",
                payload={
                    "kind": "instalment",
                    "channels": list(inst.channels),
                    "amount": str(amount),
                    "currency": currency,
                    "due_date": due.isoformat(),
                    "instalment_number": seq,
                    "instalment_count": count,
                    "instalment_id": inst_id,
                },
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
            Planned(
                key=f"p:{ptp_id}:{promised.isoformat()}",
                loan_id=loan_id,
                borrower_id=borrower_id,
                step="promise",
                template=ptp.template,
                channels=ptp.channels,
                locale=locale or "en",
                payload={
                    "kind": "promise",
                    "channels": list(ptp.channels),
                    "amount": str(amount) if amount is not None else "",
                    "currency": currency,
                    "promised_date": promised.isoformat(),
                    "promise_id": ptp_id,
                },
            )
        )
    return out


def plan(
    session: Session, now: datetime, *, config: CampaignConfig | None = None, dry_run: bool = False
) -> PlanReport:
    """Queue every reminder due at ``now`` (idempotent). ``dry_run`` queues nothing and also
    reports the loans a stop or pause condition holds back."""
    config = config or load_config()
    today = now.date()
    report = PlanReport()
    wanted = cadence_candidates(session, config, today, include_stopped=dry_run)
    wanted += arrangement_candidates(session, config, today)
    report.considered = len(wanted)
    for item in wanted:
        if item.stopped_by:
            report.stopped[item.stopped_by] = report.stopped.get(item.stopped_by, 0) + 1
    if dry_run:
        report.items = wanted
        return report
    stmt = _insert(session).returning(OutboxItem.id)
    for start in range(0, len(wanted), INSERT_CHUNK):
        chunk = wanted[start : start + INSERT_CHUNK]
        rows = [
            {
                "idempotency_key": p.key,
                "borrower_id": p.borrower_id,
                "loan_id": p.loan_id,
                "channel": p.channels[0],
                "address": "",
                "template": p.template,
                "body": "",
                "status": "pending",
                "not_before": now,
                "attempts": 0,
                "step": p.step,
                "locale": p.locale,
                "payload": p.payload,
                "created_at": now,
                "updated_at": now,
            }
            for p in chunk
        ]
        report.queued += len(session.execute(stmt, rows).all())
    session.commit()
    report.already_queued = report.considered - report.queued
    log.info("plan: considered=%s queued=%s", report.considered, report.queued)
    return report


def _insert(session: Session):
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        return insert(OutboxItem)
    return dialect_insert(OutboxItem).on_conflict_do_nothing(index_elements=["idempotency_key"])
