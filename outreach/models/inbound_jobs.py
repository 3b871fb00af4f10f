"""The inbound queue: one row per stored borrower message whose routing (keywords, bot turn) is
still to run (issue 19: a webhook answers Twilio at once and a worker runs the turn).

Written in the transaction that logs the message, so a message is never stored without its job.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.models.base import Base, utcnow
from outreach.models.conversations import Message

PENDING = text("status = 'pending'")
JOB_STATUSES = ("pending", "done", "failed")


class InboundJob(Base):
    __tablename__ = "inbound_jobs"
    __table_args__ = (
        # The worker's question, "the first pending job of each conversation": only pending
        # rows are in this index, however many were done before.
        Index(
            "ix_inbound_jobs_pending",
            "conversation_id",
            "id",
            sqlite_where=PENDING,
            postgresql_where=PENDING,
        ),
        Index("ix_inbound_jobs_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), unique=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # JOB_STATUSES
    attempts: Mapped[int] = mapped_column(default=0)
    # A worker's hold while it runs the turn; a killed worker's hold runs out and another takes
    # the job over. Unix seconds on the wall clock (outreach.clock.unix_seconds), like the event
    # deliveries' holds: compared across processes, not a business time.
    claimed_until: Mapped[float | None] = mapped_column(Float(precision=53))
    claim_token: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    message: Mapped[Message] = relationship()
