"""One run of the Fineract connector (the scheduler's ``fineract`` job, ``fineract sync``): the
hooks still pending, the pull, then the push. Each part's work is committed as it goes, so a
Fineract that goes down half-way loses nothing: the run stops with FineractUnavailable and the
next one carries on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from outreach.channels import Channels
from outreach.integrations.fineract.client import FineractClient
from outreach.integrations.fineract.hooks import HookReport, process_pending
from outreach.integrations.fineract.pull import PullReport, pull
from outreach.integrations.fineract.push import PushReport, push
from outreach.settings import Settings


@dataclass
class SyncReport:
    hooks: HookReport
    pulled: PullReport
    pushed: PushReport


def configured(settings: Settings) -> bool:
    return bool(settings.fineract_url)


def sync(
    session: Session,
    settings: Settings,
    channels: Channels,
    now: datetime,
    *,
    fineract: FineractClient | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SyncReport:
    """Hooks, pull, push (see the module docstring). Raises FineractUnavailable."""
    fineract = fineract or FineractClient.from_settings(settings)
    hooks = process_pending(session, fineract, settings, channels, now)
    pulled = pull(session, fineract, settings, now, progress=progress)
    pushed = push(session, fineract, settings, now)
    return SyncReport(hooks, pulled, pushed)
