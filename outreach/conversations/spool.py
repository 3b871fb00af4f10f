"""The inbound spool: a borrower's message is never lost because the database is busy or down.

Security finding 16: a webhook stores the inbound message before anything else can fail; when
the database cannot take that first write (SQLite "database is locked" past busy_timeout,
PostgreSQL unreachable), the signature-verified form is written here and Twilio gets its normal
answer. The scheduler job ``inbound_spool`` replays each file through
``conversations.inbound`` (store, then route or queue); MessageSid de-duplication makes a replay (or a second copy
of the same message) safe.

One file per MessageSid, named by the SID's SHA-256 (no personal data, nothing a crafted SID
can steer out of the directory), written to a temporary name, fsync'd, renamed into place and
the directory fsync'd: a file the replay sees is complete and survives a power cut. Files hold
the borrower's number and text, so the directory is 0700 and files 0600. The spool is local to
the host that received the message: each web host needs the scheduler (or the same directory).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import exc as sa_exc

from outreach.channels import Channels
from outreach.conversations.inbound import route_now, store_inbound
from outreach.conversations.inbound_form import FormError, InboundForm, parse_inbound
from outreach.conversations.rasa_client import RasaClient
from outreach.db import session_scope
from outreach.settings import INSTANCE_DIR, Settings

log = logging.getLogger(__name__)

# What "the database cannot take it" looks like: locked or busy (SQLite), unreachable or
# dropped (PostgreSQL), no pooled connection in time. Anything else is a bug, not an outage.
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,
)
REJECTED = "rejected"  # files that cannot be replayed are moved here, never deleted
FORMAT_VERSION = 1


@dataclass
class ReplayReport:
    replayed: int = 0
    waiting: int = 0
    rejected: int = 0


def spool_dir(settings: Settings) -> Path:
    """``INBOUND_SPOOL_DIR``, by default ``instance/inbound-spool``."""
    if settings.inbound_spool_dir:
        return Path(settings.inbound_spool_dir)
    return INSTANCE_DIR / "inbound-spool"


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def spool(settings: Settings, channel: str, form: dict[str, str], received_at: datetime) -> Path:
    """Write one verified inbound form durably; returns its path. Same SID, same file."""
    directory = spool_dir(settings)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = hashlib.sha256(form["MessageSid"].encode()).hexdigest() + ".json"
    record = {
        "version": FORMAT_VERSION,
        "channel": channel,
        "received_at": received_at.isoformat(),
        "form": form,
    }
    final = directory / name
    temporary = directory / f".{name}.{os.getpid()}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, json.dumps(record).encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, final)
    _fsync_dir(directory)
    return final


def _load(path: Path, settings: Settings) -> tuple[InboundForm, datetime]:
    record = json.loads(path.read_text())
    if record.get("version") != FORMAT_VERSION:
        raise ValueError("unknown spool format")
    form = parse_inbound(record["channel"], record["form"], settings)
    return form, datetime.fromisoformat(record["received_at"])


def _reject(path: Path, reason: str) -> None:
    aside = path.parent / REJECTED
    aside.mkdir(mode=0o700, exist_ok=True)
    os.replace(path, aside / path.name)
    _fsync_dir(path.parent)
    log.error("spooled inbound %s cannot be replayed (%s): moved to %s/", path.name, reason, aside)


def replay(settings: Settings, rasa: RasaClient, channels: Channels) -> ReplayReport:
    """Store (and route: ``rasa`` answers for the bot, ``channels`` deliver the replies) every
    spooled message, oldest first; stops while the database is still unavailable. A file is
    removed only after its message is committed (or was already)."""
    report = ReplayReport()
    directory = spool_dir(settings)
    if not directory.is_dir():
        return report
    paths = sorted(directory.glob("*.json"), key=lambda p: p.stat().st_mtime)
    for index, path in enumerate(paths):
        try:
            form, received_at = _load(path, settings)
        except (OSError, ValueError, KeyError, TypeError, FormError) as exc:
            _reject(path, type(exc).__name__)
            report.rejected += 1
            continue
        try:
            with session_scope(settings.database_url) as session:
                stored = store_inbound(
                    session,
                    channel=form.channel,
                    address=form.address,
                    body=form.body,
                    provider_sid=form.provider_sid,
                    received_at=received_at,
                )
                # With the inbound worker, storing (and so queueing) is the whole replay.
                if not settings.queued_turns:
                    route_now(session, settings, rasa, channels, stored)
        except DATABASE_UNAVAILABLE as exc:
            report.waiting = len(paths) - index
            log.warning(
                "database still unavailable (%s): %s spooled inbound message(s) wait",
                type(exc).__name__,
                report.waiting,
            )
            break
        path.unlink()
        _fsync_dir(directory)
        report.replayed += 1
    if report.replayed or report.rejected:
        log.info("inbound spool: %s", report)
    return report
