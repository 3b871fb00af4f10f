"""Planning and dispatching in one call, as the scheduler's two jobs do in a row, and the
instants the reminder tests share."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from outreach.campaigns.planner import plan
from outreach.outbox.dispatcher import DispatchReport, dispatch
from outreach.settings import Settings

# 2026-11-24 is a Tuesday; Chicago is UTC-6 in November.
INSIDE = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # 10:00 in Chicago
AFTER_9PM = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 21:00 in Chicago
NEXT_8AM = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # 08:00 in Chicago


def remind(session: Session, settings: Settings, now: datetime) -> DispatchReport:
    """Plan, then dispatch what is due at ``now``."""
    plan(session, now)
    return dispatch(session, settings, now)
