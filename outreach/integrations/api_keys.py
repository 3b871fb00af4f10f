"""API keys: created with their scopes, shown once, stored only as a SHA-256, revoked for good.

A key is ``obk_`` followed by 32 random bytes (256 bits, URL-safe base64). With that much
entropy nobody can search for a key from its hash, so a fast hash is the right one: a slow
password hash (argon2, bcrypt) defends weak human secrets and would cost tens of milliseconds on
every API call. Plain SHA-256, not an HMAC with ``SECRET_KEY``, so rotating the session secret
does not lock every integration out. A presented key is looked up by its hash (unique index):
the comparison is the database's, over a digest that reveals nothing about the key.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from outreach.audit import log as audit
from outreach.models import API_SCOPES, ApiKey

KEY_PREFIX = "obk_"
# The key's alphabet (URL-safe base64) and its length with the prefix; anything else is not one
# of ours and is refused before it is hashed or looked up.
_KEY = re.compile(r"obk_[A-Za-z0-9_-]{43}")
# Names appear in the audit log as ``api:<name>`` (64 characters at most): letters, digits and
# . _ -, starting with a letter or digit.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,47}")
SHOWN_PREFIX = 12  # "obk_" and 8 characters: enough to tell keys apart, useless to an attacker


class ApiKeyError(ValueError):
    """A name or scope that cannot be used; the message names the field."""


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def parse_scopes(raw: str | list[str]) -> list[str]:
    """Scopes from ``a,b`` (or a list), checked against API_SCOPES, in their canonical order."""
    items = raw.split(",") if isinstance(raw, str) else raw
    wanted = {s.strip() for s in items if s.strip()}
    if not wanted:
        raise ApiKeyError(f"scopes: at least one of {', '.join(API_SCOPES)}")
    unknown = sorted(wanted - set(API_SCOPES))
    if unknown:
        raise ApiKeyError(f"scopes: unknown {', '.join(unknown)} (known: {', '.join(API_SCOPES)})")
    return [s for s in API_SCOPES if s in wanted]


def create_key(
    session: Session, name: str, scopes: str | list[str], now: datetime, actor: str
) -> tuple[ApiKey, str]:
    """Store a new key and return it with the key itself (the only time it exists in clear).
    Names are unique for good, revoked keys included: the audit log names keys."""
    name = name.strip()
    if not NAME.fullmatch(name):
        raise ApiKeyError(
            "name: 1 to 48 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    scope_list = parse_scopes(scopes)
    if session.scalar(select(ApiKey.id).where(ApiKey.name == name)) is not None:
        raise ApiKeyError(f"name: a key named {name!r} exists (names are never reused)")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        name=name,
        scopes=",".join(scope_list),
        key_hash=hash_key(key),
        prefix=key[:SHOWN_PREFIX],
        created_at=now,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise ApiKeyError(f"name: a key named {name!r} exists (names are never reused)") from None
    audit.record(
        session,
        actor,
        "api_key.created",
        subject=f"api_key:{row.id}",
        details={"name": name, "scopes": scope_list},
        at=now,
    )
    session.commit()
    return row, key


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)))


def revoke_key(session: Session, name: str, now: datetime, actor: str) -> ApiKey:
    """Revoke the key named ``name`` (LookupError if there is none); revoking twice keeps the
    first revocation's time."""
    row = session.scalar(select(ApiKey).where(ApiKey.name == name.strip()))
    if row is None:
        raise LookupError(f"name: no API key named {name!r}")
    if row.revoked_at is None:
        row.revoked_at = now
        audit.record(
            session,
            actor,
            "api_key.revoked",
            subject=f"api_key:{row.id}",
            details={"name": row.name},
            at=now,
        )
        session.commit()
    return row


def find_key(session: Session, presented: str) -> ApiKey | None:
    """The key row for a presented key, revoked or not (the caller refuses a revoked one), or
    None when it is not a key of ours."""
    if not _KEY.fullmatch(presented):
        return None
    return session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(presented)))
