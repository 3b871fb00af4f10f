"""Every rule pack that ever decided a message, kept by ``rules_version`` for replay."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from outreach.models.base import Base, utcnow


class RulePackSnapshot(Base):
    __tablename__ = "rule_pack_snapshots"

    rules_version: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    chain: Mapped[dict[str, Any]]  # {"packs": [...]} in the order they were merged
    content: Mapped[dict[str, Any]]  # the merged rules exactly as they were in force
    first_used_at: Mapped[datetime] = mapped_column(default=utcnow)
