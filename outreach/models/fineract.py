"""What the Apache Fineract / Mifos X connector keeps: loan links, pushes back, hooks received.

- ``fineract_loans``: our loan <-> Fineract's loan and client ids (the pull writes them; pushes
  and hooks read them).
- ``fineract_pushes``: one row per promise or plan pushed back as a loan note (unique per
  arrangement: each is pushed once), with the delinquency pause asked for it, if any.
- ``fineract_hooks``: every hook Fineract delivered, stored before it is acted on (Fineract
  sends each once and never retries: a hook we could not act on waits here for the next run).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from outreach.models.base import Base, utcnow

# none: not asked (disabled, or no holiday to pause); pending: to ask; done; refused: Fineract
# answered 4xx (kept with its message, not retried).
PAUSE_STATUSES = ("none", "pending", "done", "refused")
HOOK_STATUSES = ("pending", "done", "ignored", "failed")


class FineractLoan(Base):
    __tablename__ = "fineract_loans"

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), unique=True)
    fineract_loan_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    fineract_client_id: Mapped[int] = mapped_column(BigInteger, index=True)
    pulled_at: Mapped[datetime] = mapped_column(default=utcnow)


class FineractPush(Base):
    __tablename__ = "fineract_pushes"
    __table_args__ = (UniqueConstraint("kind", "arrangement_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # promise | plan
    arrangement_id: Mapped[int]
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    fineract_loan_id: Mapped[int] = mapped_column(BigInteger)
    note_id: Mapped[int | None] = mapped_column(BigInteger)  # set once Fineract stored it
    attempts: Mapped[int] = mapped_column(default=0)
    pause_status: Mapped[str] = mapped_column(String(8), default="none")
    pause_start: Mapped[date | None]
    pause_end: Mapped[date | None]
    pause_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    pushed_at: Mapped[datetime | None]


class FineractHook(Base):
    __tablename__ = "fineract_hooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    tenant: Mapped[str | None] = mapped_column(String(100))
    body: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(8), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
