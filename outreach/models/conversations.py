"""Conversations, every message in or out, and handoff cases.

A message row is written before any provider call and only gains data afterwards (status,
provider SID); delivery callbacks are appended as ``MessageEvent`` rows.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.models.base import Base, utcnow
from outreach.models.borrowers import Borrower


def new_public_id() -> str:
    """The opaque id Rasa and the web chat see; never a phone number."""
    return uuid.uuid4().hex


OPEN = text("status = 'open'")


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        # One open conversation per channel and address, enforced by the database: concurrent
        # first messages from a new number opened several (security finding 18).
        Index(
            "uq_conversations_open_channel_address",
            "channel",
            "address",
            unique=True,
            sqlite_where=OPEN,
            postgresql_where=OPEN,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(254), index=True)  # the borrower's side
    borrower_id: Mapped[int | None] = mapped_column(ForeignKey("borrowers.id"), index=True)
    owner: Mapped[str] = mapped_column(String(16), default="bot")  # bot | officer
    status: Mapped[str] = mapped_column(String(16), default="open")
    # Set when this conversation passed the identity check; it counts only while fresh
    # (outreach.selfservice.identity.is_fresh: borrower active within verification.idle_minutes).
    identity_verified_at: Mapped[datetime | None]
    # Set while the bot owns the conversation again but Rasa has not confirmed the resume
    # (security finding 6); each turn and a scheduler job retry it until Rasa does.
    resume_pending_since: Mapped[datetime | None]
    # The keyed digest of a loan number a web visitor typed (``loan:<hmac>``): the subject its
    # failed checks count against, and why loan_last4 proves nothing here (finding 1).
    identify_key: Mapped[str | None] = mapped_column(String(80))
    # Where the borrower is in the numeric SMS menu (outreach.conversations.menu); None while
    # the NLU bot serves the conversation.
    menu_state: Mapped[dict[str, Any] | None]
    # The language the borrower writes in ("en", "es"), followed when they switch mid-way
    # (outreach.conversations.language); None until their first message.
    language: Mapped[str | None] = mapped_column(String(8))
    # An acting intent read with low confidence, waiting for the borrower's yes
    # (outreach.conversations.intent_check), and the bot's form after its last turn.
    pending_intent: Mapped[str | None] = mapped_column(String(32))
    bot_form: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)

    borrower: Mapped[Borrower | None] = relationship()
    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", order_by="Message.id"
    )


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_borrower_created", "borrower_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"), index=True)
    borrower_id: Mapped[int | None] = mapped_column(ForeignKey("borrowers.id"))
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loans.id"))
    direction: Mapped[str] = mapped_column(String(8))  # in | out
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(254))
    sender: Mapped[str] = mapped_column(String(16))  # borrower | bot | officer | scheduler | system
    # For outbound rows: "lender" (counts toward caps) or "borrower" (a reply to the borrower).
    initiated_by: Mapped[str | None] = mapped_column(String(8))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    template: Mapped[str | None] = mapped_column(String(64))
    # Set on scheduled messages (e.g. "reminder:<loan>:<due date>") so a re-run never sends twice.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    body: Mapped[str] = mapped_column(Text)
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(String(500))
    decision: Mapped[dict[str, Any] | None]
    # SMS only: GSM-7 or UCS-2, and how many segments the carrier bills (issue 4).
    encoding: Mapped[str | None] = mapped_column(String(8))
    segments: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None]

    conversation: Mapped[Conversation | None] = relationship(back_populates="messages")
    events: Mapped[list[MessageEvent]] = relationship(order_by="MessageEvent.id")


class MessageEvent(Base):
    """A delivery status report, appended as it arrives; each distinct report once."""

    __tablename__ = "message_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    status: Mapped[str] = mapped_column(String(32))  # as the provider reported it
    error_code: Mapped[str | None] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # "<message id>:<status>:<error code>": a replayed callback adds no second row (finding 23).
    # NULL on rows older than migration 0011.
    report_key: Mapped[str | None] = mapped_column(String(80), index=True, unique=True)


class HandoffCase(Base):
    __tablename__ = "handoff_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    borrower_id: Mapped[int | None] = mapped_column(ForeignKey("borrowers.id"), index=True)
    reason: Mapped[str] = mapped_column(String(64))
    priority: Mapped[int] = mapped_column(default=2)  # 1 high .. 3 low
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    summary: Mapped[dict[str, Any] | None]
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    claimed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    conversation: Mapped[Conversation] = relationship()
    borrower: Mapped[Borrower | None] = relationship()
    claimed_by: Mapped["Officer | None"] = relationship()  # noqa: F821, UP037
