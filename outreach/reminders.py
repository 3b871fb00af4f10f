"""Compatibility helpers over the campaign planner (``outreach.campaigns``).

``plan_reminders`` runs one planning pass; ``remind`` plans and dispatches, as the scheduler's
two jobs would in a row (tests and the demo use it).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from .campaigns import PlanReport, plan
from .outbox import DispatchReport, dispatch
from .settings import Settings

__all__ = ["PlanReport", "plan_reminders", "remind"]


def plan_reminders(session: Session, settings: Settings, now: datetime) -> PlanReport:
    """Queue every reminder due at ``now`` (idempotent)."""
    return plan(session, now)


def remind(session: Session, settings: Settings, now: datetime) -> DispatchReport:
    """Plan, then dispatch what is due."""
    plan(session, now)
    return dispatch(session, settings, now)
