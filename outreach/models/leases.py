"""Who leads the scheduler: one row per leadership (``scheduler``), for elections and /healthz."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from outreach.models.base import Base


class SchedulerLease(Base):
    """The current leader of ``name`` and until when its lease holds.

    On SQLite the row *is* the lock (taken by a conditional update once ``expires_at`` passed);
    on PostgreSQL a session advisory lock decides and the row only says who holds it
    (``outreach.leader``)."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))  # host:pid:random, unique per process run
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int]
    since: Mapped[datetime]
    renewed_at: Mapped[datetime]
    expires_at: Mapped[datetime]
