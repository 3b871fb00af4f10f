"""Console users and their sign-in attempts. Passwords are argon2 hashes; roles gate every
console route."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from outreach.models.base import Base, utcnow

ROLES = ("officer", "supervisor", "auditor", "admin")


class Officer(Base):
    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    # A session cookie is valid only while it carries this number: signing out, a password
    # reset and (de)activation bump it, which ends every session of the officer at once
    # (security finding 10: a copied cookie outlived all three).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginAttempt(Base):
    """One sign-in attempt, written before the password is checked (``outreach.web.login_throttle``).

    ``account`` is an HMAC of the normalised email, so the table counts guesses at unknown
    emails too without ever holding what was typed. Rows older than a day are deleted."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_address_at", "address", "at"),
        Index("ix_login_attempts_account_at", "account", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    address: Mapped[str] = mapped_column(String(64))
    account: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(8), default="pending")  # pending|failed|ok|refused
