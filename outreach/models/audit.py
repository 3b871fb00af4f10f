"""The append-only, hash-chained audit log.

Each row's ``hash`` covers its content and the previous row's hash, so altering or removing any
row breaks the chain from that row on. Rows are never updated or deleted (enforced in
``outreach.audit.log``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from outreach.models.base import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))  # system | bot | scheduler | officer:<id>
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str | None] = mapped_column(String(64))  # e.g. message:12
    borrower_id: Mapped[int | None] = mapped_column(index=True)
    details: Mapped[dict[str, Any] | None]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class Heartbeat(Base):
    """Liveness of background processes (the scheduler beats here)."""

    __tablename__ = "heartbeats"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    beat_at: Mapped[datetime]
