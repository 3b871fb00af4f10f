"""Step 3 of a batch (``outreach.outbox.batch``): what the provider said, stored.

SIDs and statuses are kept; a transient error is retried with backoff up to
``retry.max_attempts``; 63016 (the WhatsApp session closed meanwhile) resends the row as the
approved template; any other permanent error is acted on (``outreach.outbox.delivery``) and the
row comes back for its next channel. Anything that is not a provider answer leaves both rows
``sending`` for reconcile: the provider may have the message, so it is never requeued blindly.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime

from sqlalchemy.orm import Session

from outreach import clock
from outreach import events as outbound
from outreach.audit import log as audit
from outreach.campaigns.config import CampaignConfig
from outreach.channels import ChannelError, SendResult
from outreach.models import ContactPoint, Message, OutboxItem
from outreach.outbox.delivery import SESSION_CLOSED_CODES, backoff, mark_point, newly_opted_out
from outreach.outbox.jobs import SendJob

log = logging.getLogger(__name__)


def record_results(
    session: Session,
    config: CampaignConfig,
    now: datetime,
    results: list[tuple[SendJob, SendResult | Exception]],
) -> tuple[list[OutboxItem], Counter[str]]:
    """Store what the provider said; returns the rows to try on their next channel."""
    counts: Counter[str] = Counter()
    redo: list[OutboxItem] = []
    events: list[audit.Event] = []
    failed: list[tuple[Message, ChannelError]] = []
    opted_out: list[ContactPoint] = []
    for job, outcome in results:
        item, msg = job.item, job.message
        if isinstance(outcome, SendResult):
            msg.provider_sid, msg.status, msg.sent_at = (
                outcome.provider_sid,
                outcome.status,
                clock.now(),
            )
            item.status, item.payload = "sent", {**job.payload, "tried": job.tried}
            counts["sent"] += 1
            continue
        if not isinstance(outcome, ChannelError):
            # Not a provider answer (a bug, an unexpected library error): the provider may
            # have the message, so it is never requeued blindly; both rows stay ``sending``
            # and reconcile asks the provider (or marks it unconfirmed for review).
            log.error(
                "outbox row %s left for reconcile: %s",
                item.id,
                type(outcome).__name__,
                exc_info=outcome,
            )
            counts["failed"] += 1
            continue
        msg.status, msg.error = "failed", str(outcome)[:500]
        item.last_error = str(outcome)[:500]
        failed.append((msg, outcome))
        if not outcome.permanent and item.attempts < config.max_attempts:
            item.status = "pending"
            item.not_before = now + backoff(config, item.attempts)
            counts["retried"] += 1
            continue
        if (
            outcome.permanent
            and outcome.code in SESSION_CLOSED_CODES
            and not job.content_used
            and not job.payload.get("whatsapp_template")
        ):
            # 63016: the WhatsApp session closed meanwhile; resend as the approved template.
            item.payload = {**job.payload, "whatsapp_template": True, "tried": job.tried}
            item.status = "pending"
            counts["retried"] += 1
            continue
        if outcome.permanent and newly_opted_out(job.point, outcome.code):
            opted_out.append(job.point)
        if outcome.permanent and (event := mark_point(job.point, outcome.code, now)):
            events.append(event)
        item.payload = {**job.payload, "tried": [*job.tried, msg.channel]}
        redo.append(item)
    audit.record_many(session, events)
    # Events after the audit appends: the chain's lock first, then the borrowers' event
    # sequences (the order every emitter takes them in, so two never wait on each other).
    if failed or opted_out:
        audit.lock_chain(session)
    for msg, error in failed:
        outbound.emit_message(
            session, "message.failed", msg, now, error_code=error.code, permanent=error.permanent
        )
    outbound.emit_opted_out(session, opted_out, "carrier", now)
    session.commit()
    return redo, counts
