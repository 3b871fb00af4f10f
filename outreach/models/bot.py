"""What the self-service bot did: one row per borrower message it handled, and the identity
check's state in a conversation (kept here, never in Rasa)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from outreach.models.base import Base, utcnow


class BotTurn(Base):
    """One bot turn: the inbound message, how the NLU read it, and what the bot did.

    Message text lives in ``messages`` (inbound and replies); here only the intent, its
    confidence, the language answered in, the actions Rasa ran and the replies' message ids.
    """

    __tablename__ = "bot_turns"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    intent: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float | None] = mapped_column(Float)
    language: Mapped[str | None] = mapped_column(String(8))
    actions: Mapped[list[Any] | None] = mapped_column(JSON)
    reply_ids: Mapped[list[Any] | None] = mapped_column(JSON)
    latency_ms: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class VerificationProgress(Base):
    """The identity check in one conversation.

    ``factors``: which factors were given in the current round and whether each matched (only
    booleans, never the value typed; the borrower is never told which factor failed).
    ``asked``: the factor Rasa's form asked for last (from the turn summary), so Flask checks
    the next answer itself and sends Rasa a placeholder instead (finding 14).
    ``outcome``: that check's result for the inbound message ``outcome["message_id"]``, read once
    by the form validation in the action server.
    ``told_locked``: the bot was told the check is locked (its ``verification_locked`` slot is
    set); once the lock ends Flask clears that slot in Rasa.
    """

    __tablename__ = "verification_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), unique=True)
    factors: Mapped[dict[str, Any]]
    asked: Mapped[str | None] = mapped_column(String(32))
    outcome: Mapped[dict[str, Any] | None]
    told_locked: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
