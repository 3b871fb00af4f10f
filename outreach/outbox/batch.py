"""One claimed batch of outbox rows: decide every row, log it, send it, record the outcome.

The dispatcher (``outreach.outbox.dispatcher.dispatch``) runs three steps per batch:

1. ``prepare`` (one transaction, this module): the stop conditions and the policy facts for the whole batch
   come from a few set-based queries; each row then walks its channel chain in Python: no address
   on a channel, the next; a block time cannot lift (no consent, opted out), a ``blocked``
   message logged and the next; a block time lifts (window, caps), the row deferred to
   ``next_allowed_at``; allowed, the body rendered and the message row written ``sending``. All
   rows, messages and audit events are committed together, *before* any provider call, so a crash
   can never send twice (``outreach.outbox.dispatcher.reconcile`` settles rows left ``sending``).
2. ``outreach.outbox.provider_calls.send`` (worker threads, no database): the provider call,
   rate-limited per sender.
3. ``outreach.outbox.results.record_results`` (one transaction per handful of replies): SIDs and
   statuses stored; permanent errors acted on (``outreach.outbox.delivery``), with the row coming
   back for its next channel; transient ones retried with backoff.

A borrower with two rows in one batch is held to the caps by the first: a planned send is added
to that borrower's in-memory history before the next row is decided. Two batches (two
dispatchers) with rows of one borrower take turns: ``outreach.outbox.borrower_locks``.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from outreach.audit import log as audit
from outreach.campaigns.config import CampaignConfig
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
from outreach.messaging.send import outbound_message
from outreach.models import Message, OutboxItem
from outreach.outbox.borrower_locks import lock_borrowers
from outreach.outbox.jobs import SendJob
from outreach.outbox.render import PHONE_CHANNELS, render_for_channel, shared_addresses, variables
from outreach.outbox.send_rate import reserve_slots
from outreach.policy import RulePack
from outreach.settings import Settings

log = logging.getLogger(__name__)
RETRY_AFTER_ERROR = timedelta(minutes=5)
FREEFORM = {"kind": "freeform", "category": "utility"}
TEMPLATE = {"kind": "template", "category": "utility"}


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
    # Phone numbers several borrowers share (group members, issue 20): their reminders carry
    # no name, amount, date or loan (outreach.outbox.render.SHARED_PHONE_TEMPLATE).
    shared: frozenset[str] = frozenset()

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
    # Before any history is read: another dispatcher deciding one of these borrowers commits
    # first, so its messages count against the caps here (outreach.outbox.borrower_locks).
    lock_borrowers(session, (i.borrower_id for i in to_decide))
    facts = load_facts(session, {i.borrower_id for i in to_decide}, now)
    batch = _Batch(settings, config, now, facts, shared=shared_addresses(session, facts))
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
        shared = ch in PHONE_CHANNELS and point.address in batch.shared
        if shared:
            content = None  # an approved template would carry the amount: plain text only
        body, kwargs = render_for_channel(
            item, ch, values, content, batch.settings, shared_phone=shared
        )
        item.channel, item.address, item.body = ch, point.address, body
        msg = outbound_message(
            channel=ch,
            address=point.address,
            body=body,
            sender="scheduler",
            status="sending" if decision["allowed"] else "blocked",
            decision=decision,
            borrower_id=item.borrower_id,
            loan_id=item.loan_id,
            template=item.template,
            dedupe_key=f"{item.idempotency_key}#{ch}#{item.attempts}",
            initiated_by="lender",  # the scheduler's reminders are the lender's contacts
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
