"""Identity checks across conversations: every completed check per subject, and lock-outs.

A *subject* is what an attacker would have to keep guessing against: the borrower
(``borrower:<id>``), a loan number a web visitor typed (``loan:<hmac>``, whether or not the loan
exists, so an unknown number behaves like a known one) and the conversation itself
(``conversation:<id>``). Loan numbers are kept only as a keyed digest, never in clear.
Rows are appended; an officer's release adds ``released_at``, nothing is deleted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from outreach.models.base import Base, utcnow


class IdentityCheck(Base):
    """One completed identity check (every factor given) counted against one subject."""

    __tablename__ = "identity_checks"
    __table_args__ = (Index("ix_identity_checks_subject_at", "subject", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(80))
    borrower_id: Mapped[int | None] = mapped_column(ForeignKey("borrowers.id"), index=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    ok: Mapped[bool]
    at: Mapped[datetime] = mapped_column(default=utcnow)


class IdentityLockout(Base):
    """The identity check refused for a subject until ``locked_until`` (or an officer's release)."""

    __tablename__ = "identity_lockouts"
    __table_args__ = (Index("ix_identity_lockouts_subject_until", "subject", "locked_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(80))
    # The borrower it protects (None for a loan number no borrower has): the console shows it.
    borrower_id: Mapped[int | None] = mapped_column(ForeignKey("borrowers.id"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"), index=True)
    locked_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime]
    released_at: Mapped[datetime | None]
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
