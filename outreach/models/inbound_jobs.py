"""The inbound queue: one row per borrower message whose routing (keywords, bot turn) is still to
run (issue 19: a webhook answers Twilio at once and a worker runs the turn).

Two ways in. A Twilio webhook with the inbound worker (``INBOUND_TURNS=worker``) writes only this
row, with the verified message (``channel``, ``address``, ``body``, ``provider_sid``): one insert,
so Twilio is answered in milliseconds; the worker logs the message (``message_id``) and routes
it. Everywhere else the message is logged first and its job written in the same commit. The
body is cleared once the job is done: the message row keeps it, under the retention rules.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.models.base import Base, utcnow
from outreach.models.conversations import Message

PENDING = text("status = 'pending'")
JOB_STATUSES = ("pending", "done", "failed")


class InboundJob(Base):
    __tablename__ = "inbound_jobs"
    __table_args__ = (
        # The worker's question, "the first pending job of each sender": only pending rows are
        # in this index, however many were done before.
        Index(
            "ix_inbound_jobs_pending",
            "channel",
            "address",
            "id",
            sqlite_where=PENDING,
            postgresql_where=PENDING,
        ),
        Index("ix_inbound_jobs_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(254))  # the borrower's side, as in messages
    # Twilio's MessageSid: a second delivery of the same message is refused here already.
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    body: Mapped[str | None] = mapped_column(Text)  # until the message is logged and routed
    # Set once the message is logged (at once, or by the worker for a webhook's job).
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), unique=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
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

    message: Mapped[Message | None] = relationship()
