"""One claimed batch of outbox rows: decide every row, log it, send it, record the outcome.

The dispatcher (``outreach.outbox.dispatcher.dispatch``) runs three steps per batch:

1. ``prepare`` (one transaction): the stop conditions and the policy facts for the whole batch
   come from a few set-based queries; each row then walks its channel chain in Python: no address
   on a channel, the next; a block time cannot lift (no consent, opted out), a ``blocked``
   message logged and the next; a block time lifts (window, caps), the row deferred to
   ``next_allowed_at``; allowed, the body rendered and the message row written ``sending``. All
   rows, messages and audit events are committed together, *before* any provider call, so a crash
   can never send twice (``outreach.outbox.dispatcher.reconcile`` settles rows left ``sending``).
2. ``send`` (worker threads, no database): the provider call, rate-limited per sender.
3. ``record_results`` (one transaction per handful of replies): SIDs and statuses stored;
   permanent errors acted on (``outreach.outbox.delivery``), with the row coming back for its next
   channel; transient ones retried with backoff.

A borrower with two rows in one batch is held to the caps by the first: a planned send is added
to that borrower's in-memory history before the next row is decided.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from outreach import clock
from outreach.audit import log as audit
from outreach.campaigns.config import CampaignConfig
from outreach.channels import ChannelError, SendResult, get_channel
from outreach.channels.sms_encoding import analyse
from outreach.channels.whatsapp_templates import content_for
from outreach.messaging.contact_policy import (
    BorrowerFacts,
    archive_pack,
    decide_with_pack,
    load_facts,
    scenario_from_facts,
    usable_point,
)
from outreach.messaging.send import status_callback_url
from outreach.models import ContactPoint, Message, OutboxItem
from outreach.outbox.delivery import SESSION_CLOSED_CODES, backoff, mark_point
from outreach.outbox.render import render_for_channel, variables
from outreach.outbox.send_rate import reserve_slots
from outreach.policy import RulePack
from outreach.settings import Settings

log = logging.getLogger(__name__)
RETRY_AFTER_ERROR = timedelta(minutes=5)
# A message may leave at most this long after its send slot, so in any second a sender carries at
# most limit x (1 + 0.05) + 1 messages; later than that it takes a new slot (a few times at most,
# then it goes: an overloaded machine must not hold a message back forever).
LATE_TOLERANCE = 0.05
MAX_RESLOTS = 5
FREEFORM = {"kind": "freeform", "category": "utility"}
TEMPLATE = {"kind": "template", "category": "utility"}


@dataclass
class SendJob:
    """A message logged ``sending`` and waiting for its provider call."""

    item: OutboxItem
    message: Message
    point: ContactPoint
    kwargs: dict[str, Any]
    payload: dict[str, Any]
    tried: list[str]
    content_used: bool
    slot: float | None = None  # when the sender's rate limit lets it go (Unix seconds)
    reslots: int = 0


@dataclass
class Prepared:
    jobs: list[SendJob] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)


@dataclass
class _Batch:
    settings: Settings
    config: CampaignConfig
    now: datetime
    facts: dict[int, BorrowerFacts]
    messages: list[tuple[Message, OutboxItem]] = field(default_factory=list)
    events: list[audit.Event] = field(default_factory=list)
    packs: dict[str, RulePack] = field(default_factory=dict)

    def decide(
        self, facts: BorrowerFacts, channel: str, message: dict[str, str] | None
    ) -> dict[str, Any]:
        scenario = scenario_from_facts(facts, channel, self.now, message=message)
        decision, pack = decide_with_pack(scenario)
        self.packs[pack.rules_version] = pack
        return decision


def prepare(
    session: Session,
    settings: Settings,
    config: CampaignConfig,
    items: list[OutboxItem],
    stops: dict[int, str],
    now: datetime,
    *,
    first_round: bool = True,
) -> Prepared:
    """Decide every claimed row and commit the outcome (see the module docstring).

    ``stops``: {row id: reason} from ``batch_stop_reasons``; those rows are cancelled.
    ``first_round``: False when rows come back after a permanent error on one channel (same
    attempt, next channel; a row with no channel left is then ``failed``, not ``cancelled``).
    """
    out = Prepared()
    to_decide = [i for i in items if i.id not in stops]
    batch = _Batch(
        settings, config, now, load_facts(session, {i.borrower_id for i in to_decide}, now)
    )
    for item in items:
        if item.id in stops:
            item.status, item.last_error = "cancelled", stops[item.id]
            batch.events.append(_row_event("outbox.stopped", item, {"reason": stops[item.id]}))
            out.counts["cancelled"] += 1
            continue
        if first_round:
            item.attempts += 1
        pending = len(batch.messages)
        try:
            result = _decide_row(batch, item, "cancelled" if first_round else "failed")
        except Exception as exc:
            # One bad row (a template error, a broken payload) must not stop the batch: it goes
            # back to the queue for later, with what went wrong; nothing was logged for it.
            log.exception("dispatch failed for outbox row %s", item.id)
            del batch.messages[pending:]
            item.status, item.not_before = "pending", now + RETRY_AFTER_ERROR
            item.last_error = f"dispatch error: {type(exc).__name__}"
            out.counts["retried"] += 1
            continue
        if isinstance(result, SendJob):
            out.jobs.append(result)
        else:
            out.counts[result] += 1
    _write(session, batch, out.jobs)
    return out


def _row_event(action: str, item: OutboxItem, details: dict[str, Any]) -> audit.Event:
    return audit.Event(
        "scheduler",
        action,
        subject=f"outbox:{item.id}",
        borrower_id=item.borrower_id,
        details=details,
    )


def _decide_row(batch: _Batch, item: OutboxItem, exhausted: str) -> SendJob | str:
    """Walk the row's channel chain: a SendJob, or ``deferred`` / ``exhausted``."""
    facts = batch.facts[item.borrower_id]
    payload = dict(item.payload or {})
    chain = payload.get("channels") or [item.channel]
    tried = list(payload.get("tried") or [])
    values = variables(batch.settings, batch.config, item)
    for ch in chain:
        if ch in tried:
            continue
        point = usable_point(facts.points, ch)
        if point is None:
            continue  # no address on this channel: the next one, nothing to log
        decision = batch.decide(facts, ch, FREEFORM if ch == "whatsapp" else None)
        content = None
        if ch == "whatsapp" and (
            payload.get("whatsapp_template") or "whatsapp_session_closed" in decision["reasons"]
        ):
            # Outside the 24-hour session only an approved Content template may go out.
            content = content_for(item.template, item.locale or "en", values)
            if content is not None:
                decision = batch.decide(facts, ch, TEMPLATE)
        item.last_decision = decision
        if not decision["allowed"] and decision.get("next_allowed_at"):
            item.status = "pending"
            item.not_before = datetime.fromisoformat(
                decision["next_allowed_at"].replace("Z", "+00:00")
            )
            batch.events.append(
                _row_event(
                    "outbox.deferred",
                    item,
                    {
                        "channel": ch,
                        "reasons": decision["reasons"],
                        "next_allowed_at": decision["next_allowed_at"],
                        "rules_version": decision.get("rules_version"),
                    },
                )
            )
            return "deferred"
        body, kwargs = render_for_channel(item, ch, values, content, batch.settings)
        item.channel, item.address, item.body = ch, point.address, body
        msg = Message(
            borrower_id=item.borrower_id,
            loan_id=item.loan_id,
            direction="out",
            channel=ch,
            address=point.address,
            sender="scheduler",
            template=item.template,
            body=body,
            status="sending" if decision["allowed"] else "blocked",
            initiated_by="lender",
            decision=decision,
            dedupe_key=f"{item.idempotency_key}#{ch}#{item.attempts}",
        )
        batch.messages.append((msg, item))
        if not decision["allowed"]:
            tried.append(ch)  # logged as blocked, so auditors see it; the next channel
            continue
        if ch == "sms":
            info = analyse(body)
            msg.encoding, msg.segments = info.encoding, info.segments
            if info.segments > batch.config.max_sms_segments:
                log.warning(
                    "outbox %s: SMS %s is %s segments (max %s)",
                    item.id,
                    item.template,
                    info.segments,
                    batch.config.max_sms_segments,
                )
        facts.history.append((ch, batch.now, "lender"))  # caps hold within the batch too
        return SendJob(item, msg, point, kwargs, payload, tried, content is not None)
    item.status = exhausted
    item.payload = {**payload, "tried": tried}
    return exhausted


def _write(session: Session, batch: _Batch, jobs: list[SendJob]) -> None:
    """Messages, links, audit events, rule packs used and send slots: one transaction."""
    session.add_all(msg for msg, _ in batch.messages)
    session.flush()
    for msg, item in batch.messages:
        item.message_id = msg.id
        if msg.status == "blocked":
            action, details = "message.blocked", {"reasons": msg.decision["reasons"]}
        else:
            action = "message.out"
            details = {"channel": msg.channel, "template": msg.template, "allowed": True}
        batch.events.append(
            audit.Event(
                "scheduler",
                action,
                subject=f"message:{msg.id}",
                borrower_id=msg.borrower_id,
                details=details,
            )
        )
    for pack in batch.packs.values():
        archive_pack(session, pack)  # the exact pack behind each decision, kept for replay
    slots = reserve_slots(
        session, batch.settings, batch.config.rate_limits, [j.message.channel for j in jobs]
    )
    for job, slot in zip(jobs, slots, strict=True):
        job.slot = slot
    audit.record_many(session, batch.events)
    session.commit()


class SlotMissed(Exception):
    """The worker reached the message after its send slot had passed (the workers were busy):
    it must not go now, or a second would carry more than the sender's limit; see ``reslot``."""


def send(settings: Settings, job: SendJob) -> SendResult | Exception:
    """The provider call for one job (on a worker thread; touches no database), inside its
    reserved send slot. Errors are returned, not raised, so the dispatcher records every
    outcome; ``SlotMissed`` sends the job back for a new slot."""
    msg = job.message
    try:
        if job.slot is not None:
            # The sender's rate limit (outreach.outbox.send_rate): never before the slot, and never so
            # long after it that late messages bunch up with punctual ones.
            if (wait := job.slot - clock.unix_seconds()) > 0:
                time.sleep(wait)
            if clock.unix_seconds() - job.slot > LATE_TOLERANCE and job.reslots < MAX_RESLOTS:
                return SlotMissed()
        return get_channel(settings, msg.channel).send(
            msg.address,
            msg.body,
            status_callback=status_callback_url(settings, msg.channel),
            **job.kwargs,
        )
    except Exception as exc:
        return exc


def reslot(
    session: Session, settings: Settings, config: CampaignConfig, jobs: list[SendJob]
) -> None:
    """New send slots for jobs that missed theirs (the message rows stay ``sending``)."""
    slots = reserve_slots(session, settings, config.rate_limits, [j.message.channel for j in jobs])
    session.commit()
    for job, slot in zip(jobs, slots, strict=True):
        job.slot, job.reslots = slot, job.reslots + 1


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
        if outcome.permanent and (event := mark_point(job.point, outcome.code, now)):
            events.append(event)
        item.payload = {**job.payload, "tried": [*job.tried, msg.channel]}
        redo.append(item)
    audit.record_many(session, events)
    session.commit()
    return redo, counts
