"""Quoting settlements, payment holidays and fee waivers against the limits, for a tier.

Never offered to a borrower with an uncleared blocking flag (dispute, bankruptcy, cease and
desist, attorney, deceased: ``Borrower.active_flags``): a settlement offer is a collection
communication those flags stop (12 CFR 1006.6(c); RULES.md RF-CEASE).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outreach.arrangements import resolution_limits as rl
from outreach.models import Borrower, Loan, Resolution

ZERO = Decimal("0")


class NotOffered(ValueError):
    """Nothing of this kind may be offered on this loan (``code`` says why)."""

    def __init__(self, code: str) -> None:
        super().__init__(f"resolution: not offered ({code})")
        self.code = code


@dataclass(frozen=True)
class Quote:
    """What may be agreed. ``amount``: the settlement (or waiver) asked for, ``tier``: the least
    senior who may agree it (None: outside the limits); ``counter``: the closest amount within
    ``for_tier``'s limits when the request is not; ``deadline`` the borrower's last day."""

    kind: str
    limits: rl.ResolutionLimits
    amount: Decimal
    tier: str | None
    counter: Decimal | None
    deadline: date | None
    holiday_days: int = 0


def blocked_reason(borrower: Borrower) -> str | None:
    """``borrower_flag`` while any blocking flag is uncleared (see the module docstring)."""
    return "borrower_flag" if borrower.active_flags() else None


def _limits(loan: Loan) -> rl.ResolutionLimits:
    return rl.limits_for(loan, loan.borrower.country, loan.borrower.region)


def quote_settlement(loan: Loan, amount: Decimal | None, today: date, for_tier: str) -> Quote:
    """A settlement for ``amount`` (None: the best ``for_tier`` may offer). NotOffered for a
    flagged borrower or nothing owed."""
    if (reason := blocked_reason(loan.borrower)) is not None:
        raise NotOffered(reason)
    limits = _limits(loan)
    if limits.balance <= 0:
        raise NotOffered("nothing_owed")
    if not loan.days_past_due:
        raise NotOffered("not_past_due")  # a loan paid on time is not settled for less
    best = rl.closest_settlement(limits, for_tier)
    asked = best if amount is None else rl.to_amount(amount)
    tier = rl.settlement_tier(limits, asked)
    allowed = tier is not None and rl.TIERS.index(tier) <= rl.TIERS.index(for_tier)
    counter = None if allowed else max(best, min(asked, limits.balance))
    deadline = today + timedelta(days=limits.validity_days)
    return Quote("settlement", limits, asked, tier, counter, deadline)


def quote_holiday(session: Session, loan: Loan, days: int, today: date, for_tier: str) -> Quote:
    """A payment holiday of ``days`` from ``today``; ``counter`` (as days) is the longest
    ``for_tier`` may agree. NotOffered: flagged, not for this product/bucket, or one too recent."""
    if (reason := blocked_reason(loan.borrower)) is not None:
        raise NotOffered(reason)
    limits = _limits(loan)
    if not limits.holiday_allowed or limits.holiday_days[for_tier] < 1:
        raise NotOffered("holiday_not_allowed")
    since = today - timedelta(days=limits.holiday_every_days)
    recent = session.scalar(
        select(func.count(Resolution.id)).where(
            Resolution.loan_id == loan.id,
            Resolution.kind == "holiday",
            Resolution.status.in_(("accepted", "completed")),
            Resolution.holiday_start > since,
        )
    )
    if recent:
        raise NotOffered("holiday_too_recent")
    tier = rl.holiday_tier(limits, days)
    allowed = tier is not None and rl.TIERS.index(tier) <= rl.TIERS.index(for_tier)
    counter = None if allowed else Decimal(limits.holiday_days[for_tier])
    return Quote("holiday", limits, ZERO, tier, counter, None, holiday_days=days)


def quote_waiver(loan: Loan, amount: Decimal, for_tier: str) -> Quote:
    """Waiving ``amount`` of fees and interest; ``counter``: ``for_tier``'s cap (if any)."""
    if (reason := blocked_reason(loan.borrower)) is not None:
        raise NotOffered(reason)
    limits = _limits(loan)
    asked = rl.to_amount(amount)
    tier = rl.waiver_tier(limits, asked)
    allowed = tier is not None and rl.TIERS.index(tier) <= rl.TIERS.index(for_tier)
    cap = limits.waiver_cap[for_tier]
    counter = None if allowed else (cap if cap > 0 else None)
    return Quote("waiver", limits, asked, tier, counter, None)
