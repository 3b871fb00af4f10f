"""The set-based planning queries: every reminder due today, for the whole book, in a few queries.

Each query reads only the columns a reminder needs, with the stop and pause conditions as
columns or ``WHERE`` clauses (``campaign_stops``), so the cost does not grow with per-loan lookups.

"Today" is each borrower's own date at ``now`` (``policy.zones.calendar_date``): the SQL bounds
are widened by a day on either side of the UTC date (every zone's date lies in that range) and
each row's step is then picked from its borrower's date.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from outreach.campaigns.config import CampaignConfig, Reminder, Step
from outreach.campaigns.report import Planned
from outreach.campaigns.steps import pick_segment, pick_step, recent_steps, sent_recently
from outreach.campaigns.stops import (
    OPEN_PLAN,
    flag_open,
    handoff_open,
    paid_since_figures,
    pause_open,
    plan_open,
    promise_open,
    resolution_open,
    stage_stopped,
    stop_reason,
)
from outreach.models import Borrower, Loan, PaymentPlan, PlanInstalment, PromiseToPay
from outreach.policy.zones import calendar_date, calendar_zones
from outreach.risk.scoring import loan_band


class BorrowerDays:
    """Each borrower's "today" at one instant, computed once per distinct set of zones."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.utc_date = now.date()
        self._by_zones: dict[tuple[str, ...], date] = {}

    def today(
        self, country: str, region: str | None, postal_code: str | None, timezone: str | None
    ) -> date:
        zones = calendar_zones(country, region, postal_code, timezone)
        day = self._by_zones.get(zones)
        if day is None:
            day = self._by_zones[zones] = calendar_date(zones, self.now)
        return day


BORROWER_PLACE = (Borrower.country, Borrower.region, Borrower.postal_code, Borrower.timezone)


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
    session: Session, config: CampaignConfig, days: BorrowerDays, include_stopped: bool = False
) -> list[Planned]:
    """Every loan due a cadence step on its borrower's today (set-based: one query, no per-loan
    ORM loading)."""
    utc = days.utc_date
    earliest = min(s.day for steps in config.cadences.values() for s in steps)
    flag, handoff, plan, promise = (
        flag_open().label("flag"),
        handoff_open().label("handoff"),
        plan_open().label("plan"),
        promise_open().label("promise"),
    )
    paid = paid_since_figures().label("paid")
    paused = pause_open(days.now).label("paused")
    resolution = resolution_open().label("resolution")
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
            *BORROWER_PLACE,
            flag,
            handoff,
            plan,
            promise,
            paid,
            paused,
            resolution,
            loan_band().label("risk_band"),
        )
        .join(Borrower, Borrower.id == Loan.borrower_id)
        .where(
            Loan.status.in_(("current", "delinquent")),
            Loan.outstanding > 0,
            ~stage_stopped(),  # legal / agency / written off: no automated messages (issue 18)
            or_(
                Loan.days_past_due > 0,
                and_(
                    Loan.next_due_date.is_not(None),
                    Loan.next_due_date <= utc + timedelta(days=1 - earliest),
                    Loan.next_due_date >= utc - timedelta(days=1),
                ),
            ),
        )
    ).all()
    sent = recent_steps(session, utc - timedelta(days=1))
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
        country,
        region,
        postal_code,
        timezone,
        f,
        h,
        p,
        pr,
        paid_up,
        held,
        resolved,
        band,
    ) in rows:
        today = days.today(country, region, postal_code, timezone)
        dpd = dpd or 0
        if dpd == 0 and not (today <= next_due <= today - timedelta(days=earliest)):
            continue  # the SQL bounds are a day wider than this borrower's own dates
        anchor = today - timedelta(days=dpd) if dpd > 0 else next_due
        seg = pick_segment(config, product, dpd, outstanding, band)
        if seg is None or anchor is None:
            continue
        step = pick_step(config.cadences[seg.cadence], (today - anchor).days, dpd)
        if step is None:
            continue
        stopped = stop_reason(f, h, p, pr, paid_up, held, resolved)
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


def arrangement_candidates(
    session: Session, config: CampaignConfig, days: BorrowerDays
) -> list[Planned]:
    """Instalment reminders for current plans and day-before reminders for open promises, by
    each borrower's today."""
    utc = days.utc_date
    blocked = or_(flag_open(), handoff_open(), stage_stopped(), pause_open(days.now))
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
            *BORROWER_PLACE,
        )
        .join(PaymentPlan, PaymentPlan.id == PlanInstalment.plan_id)
        .join(Loan, Loan.id == PaymentPlan.loan_id)
        .join(Borrower, Borrower.id == Loan.borrower_id)
        .where(
            PaymentPlan.status.in_(OPEN_PLAN),
            PlanInstalment.status == "due",
            PlanInstalment.due_date >= utc - timedelta(days=1),
            PlanInstalment.due_date <= utc + timedelta(days=inst.days_before + 1),
            ~blocked,
        )
    ).all()
    for inst_id, seq, due, amount, count, loan_id, borrower_id, currency, locale, *place in rows:
        today = days.today(*place)
        if not today <= due <= today + timedelta(days=inst.days_before):
            continue
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
            *BORROWER_PLACE,
        )
        .join(Loan, Loan.id == PromiseToPay.loan_id)
        .join(Borrower, Borrower.id == Loan.borrower_id)
        .where(
            PromiseToPay.status == "open",
            PromiseToPay.promised_date > utc - timedelta(days=1),
            PromiseToPay.promised_date <= utc + timedelta(days=ptp.days_before + 1),
            ~blocked,
        )
    ).all()
    for ptp_id, promised, amount, loan_id, borrower_id, currency, locale, *place in rows:
        today = days.today(*place)
        if not today < promised <= today + timedelta(days=ptp.days_before):
            continue
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
