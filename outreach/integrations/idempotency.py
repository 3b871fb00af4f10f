"""Idempotency keys on POST (draft-ietf-httpapi-idempotency-key-header): the first answer is
kept per API key and replayed for the same key and the same request; the same key with another
request is a conflict.

"The same request" is the method, the path and the body; a JSON body is compared by its content
(key order and spacing do not matter), anything else byte for byte. A key whose first request
is still running answers 409 too, so two retries racing each other never both write. Answers
are kept until ``expires_at`` (``API_IDEMPOTENCY_HOURS``); an expired key starts afresh.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from outreach.integrations.problems import FieldProblem, InvalidInput
from outreach.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY = 255


def check_key(raw: str) -> str:
    """The header's value: 1 to 255 visible ASCII characters (what the draft allows)."""
    if not 1 <= len(raw) <= MAX_KEY or not all("!" <= ch <= "~" for ch in raw):
        raise InvalidInput(
            [FieldProblem(None, "1 to 255 visible ASCII characters", parameter=HEADER)]
        )
    return raw


def fingerprint(method: str, path: str, body: bytes, parsed: Any = None) -> str:
    """What "the same request" means: method, path and the body's content."""
    if parsed is not None:
        content = json.dumps(parsed, sort_keys=True, separators=(",", ":"), default=str).encode()
    else:
        content = body
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), content):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


@dataclass(frozen=True)
class Stored:
    """A kept answer."""

    status: int
    content_type: str
    body: str


@dataclass(frozen=True)
class Begun:
    """What ``begin`` found: a new record to answer (``record_id``), a kept answer to replay,
    or a conflict (``conflict`` says which)."""

    record_id: int | None = None
    replay: Stored | None = None
    conflict: str | None = None


def begin(
    session: Session, api_key_id: int, key: str, print_: str, now: datetime, ttl: timedelta
) -> Begun:
    """Claim ``key`` for this request, or say why not; commits."""
    for _attempt in range(2):
        row = session.scalar(
            select(IdempotencyRecord).where(
                IdempotencyRecord.api_key_id == api_key_id, IdempotencyRecord.key == key
            )
        )
        if row is not None and row.expires_at <= now:
            session.delete(row)
            session.flush()
            row = None
        if row is not None:
            session.rollback()
            if row.fingerprint != print_:
                return Begun(conflict="another_request")
            if row.status is None:
                return Begun(conflict="in_progress")
            return Begun(replay=Stored(row.status, row.content_type or "", row.body or ""))
        # Expired answers of this client go now: the table holds a day's keys, not history.
        session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.api_key_id == api_key_id, IdempotencyRecord.expires_at <= now
            )
        )
        record = IdempotencyRecord(
            api_key_id=api_key_id,
            key=key,
            fingerprint=print_,
            created_at=now,
            expires_at=now + ttl,
        )
        session.add(record)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()  # a concurrent request claimed it first: look again
            continue
        return Begun(record_id=record.id)
    return Begun(conflict="in_progress")


def finish(session: Session, record_id: int, answer: Stored) -> None:
    """Keep the answer for replays; commits."""
    row = session.get(IdempotencyRecord, record_id)
    if row is not None:
        row.status, row.content_type, row.body = answer.status, answer.content_type, answer.body
        session.commit()


def abandon(session: Session, record_id: int) -> None:
    """Forget the claim (the request failed in a way worth retrying); commits."""
    session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))
    session.commit()
