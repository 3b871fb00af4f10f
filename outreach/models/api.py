"""The lender's API clients: keys (hashed, scoped, revocable) and the answers kept for their
idempotency keys (``outreach.integrations``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from outreach.models.base import Base, utcnow

# What a key may be allowed to do (contracts/api.md); a route names the one it needs.
API_SCOPES = (
    "loans:write",
    "payments:write",
    "flags:write",
    "borrowers:read",
    "events:read",
    "policy:check",
)


class ApiKey(Base):
    """One integration's key. Only the SHA-256 of the key is stored; ``prefix`` (its first
    characters) lets an operator tell keys apart. Revoking stamps ``revoked_at``: the row stays,
    as the audit log names the key."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(48), unique=True)
    scopes: Mapped[str] = mapped_column(String(200))  # comma-separated, in API_SCOPES order
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    @property
    def scope_list(self) -> list[str]:
        return [s for s in self.scopes.split(",") if s]


class IdempotencyRecord(Base):
    """The first answer to a POST with an ``Idempotency-Key``, per API key, until it expires.

    ``status`` is NULL while the first request is still being answered (a concurrent retry gets
    409 rather than running the write twice)."""

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (UniqueConstraint("api_key_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of method, path and body
    status: Mapped[int | None]
    content_type: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
