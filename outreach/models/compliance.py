"""Compliance records: legal holds, audit-chain checkpoints, and the search indexes on messages.

A legal hold keeps everything held on a borrower out of the retention purge until it is released
(releasing adds ``released_at``; nothing is deleted). A checkpoint records how far the audit chain
was verified and with what result, so pages can show the chain status without re-reading millions
of rows on every request.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from outreach.models.base import Base, utcnow
from outreach.models.conversations import Message


class LegalHold(Base):
    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: a hold outlives nothing it protects, and must never block a deletion order
    # of its own rows by cascading.
    borrower_id: Mapped[int] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(String(500))
    placed_by: Mapped[str] = mapped_column(String(64))  # officer:<id> | system
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_by: Mapped[str | None] = mapped_column(String(64))
    released_at: Mapped[datetime | None]


class AuditCheckpoint(Base):
    """One verification of the audit chain: ``through_id``/``through_hash`` hold when ``broken_id``
    is null (a later incremental check starts from there)."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    full: Mapped[bool]  # True: verified from the genesis; False: from the previous checkpoint
    through_id: Mapped[int] = mapped_column(default=0)
    through_hash: Mapped[str] = mapped_column(String(64))
    checked: Mapped[int] = mapped_column(default=0)
    broken_id: Mapped[int | None]
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))


# Search indexes: every audit search filter that narrows millions of rows has one, each ending in
# created_at so the newest-first page is read straight from the index.
Index("ix_messages_address_created", Message.address, Message.created_at)
Index("ix_messages_channel_created", Message.channel, Message.created_at)
Index("ix_messages_status_created", Message.status, Message.created_at)
Index("ix_messages_template_created", Message.template, Message.created_at)
Index("ix_messages_officer_created", Message.officer_id, Message.created_at)
