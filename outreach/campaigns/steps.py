"""Choosing a loan's segment and cadence step, and not repeating a step for one delinquency."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.campaigns.config import CampaignConfig, Segment, Step
from outreach.models import OutboxItem

RECENT_DAYS = 90


def pick_segment(
    config: CampaignConfig,
    product: str,
    dpd: int,
    outstanding: Decimal,
    risk_band: str | None = None,
) -> Segment | None:
    """The first segment (in ``config/campaigns.yaml`` order) whose product, days-past-due,
    outstanding and risk-band conditions all hold; ``None`` when none does. A loan with no
    risk score (no model trained yet) matches no segment that names risk bands."""
    for seg in config.segments:
        if seg.risk_bands and risk_band not in seg.risk_bands:
            continue
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


def recent_steps(session: Session, today: date) -> dict[tuple[int, str], list[date]]:
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


def sent_recently(
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
