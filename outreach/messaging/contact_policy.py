"""Bridge from database rows to the pure policy engine.

Gathers the facts about a borrower (address, consent, opt-outs, flags, history, last inbound)
into a policy scenario, asks ``outreach.policy`` and returns the decision together with the facts
it was made from. The rule pack in force is archived by ``rules_version``, so
``flask --app wsgi policy replay MESSAGE_ID`` reproduces a decision years later, even after the
packs changed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from outreach.models import CHANNELS as POLICY_CHANNELS
from outreach.models import Borrower, ContactPoint, Message, RulePackSnapshot
from outreach.policy import RulePack, parse_scenario
from outreach.policy.engine import evaluate, pack_for
from outreach.policy.packs import pack_from_content

HISTORY_WINDOW = timedelta(days=8)  # longer than the longest rolling cap window (7 days)


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class BorrowerFacts:
    """What the policy needs to know about one borrower, loaded once for a whole batch.

    ``history`` is appended to by the dispatcher as it plans sends within a batch, so a
    borrower with two reminders in one batch is held to the caps by the first.
    """

    borrower: Borrower
    points: list[ContactPoint]
    last_inbound: dict[str, datetime] = field(default_factory=dict)
    history: list[tuple[str, datetime, str | None]] = field(default_factory=list)


def load_facts(
    session: Session, borrower_ids: Iterable[int], now: datetime
) -> dict[int, BorrowerFacts]:
    """Facts for many borrowers in four set-based queries (not three queries per borrower)."""
    ids = sorted(set(borrower_ids))
    if not ids:
        return {}
    borrowers = session.scalars(
        select(Borrower)
        .where(Borrower.id.in_(ids))
        .options(selectinload(Borrower.flags))
        # A long-lived session (the dispatcher's) must see opt-outs and flags that arrived
        # since it first loaded these rows.
        .execution_options(populate_existing=True)
    ).all()
    facts = {b.id: BorrowerFacts(b, []) for b in borrowers}
    for point in session.scalars(
        select(ContactPoint)
        .where(ContactPoint.borrower_id.in_(ids))
        .order_by(ContactPoint.id)
        .execution_options(populate_existing=True)
    ):
        facts[point.borrower_id].points.append(point)
    for borrower_id, channel, at in session.execute(
        select(Message.borrower_id, Message.channel, func.max(Message.created_at))
        .where(
            Message.borrower_id.in_(ids),
            Message.direction == "in",
            # Web chat turns are answers inside a live session, not a channel the policy
            # engine knows: they neither open a WhatsApp session nor count toward caps.
            Message.channel.in_(POLICY_CHANNELS),
        )
        .group_by(Message.borrower_id, Message.channel)
    ):
        facts[borrower_id].last_inbound[channel] = at
    for borrower_id, channel, at, by in session.execute(
        select(Message.borrower_id, Message.channel, Message.created_at, Message.initiated_by)
        .where(
            Message.borrower_id.in_(ids),
            Message.direction == "out",
            Message.channel.in_(POLICY_CHANNELS),
            Message.status.not_in(("blocked", "failed")),
            Message.created_at > now - HISTORY_WINDOW,
        )
        .order_by(Message.created_at)
    ):
        facts[borrower_id].history.append((channel, at, by))
    return facts


def usable_point(points: list[ContactPoint], channel: str) -> ContactPoint | None:
    """The address to use on ``channel``: a valid one, not opted out if there is a choice."""
    candidates = [p for p in points if p.channel == channel and p.invalid_at is None]
    # A number known to reach someone else comes last: the policy then answers wrong_party.
    candidates.sort(key=lambda p: (p.wrong_party_at is not None, p.opted_out_at is not None, p.id))
    return candidates[0] if candidates else None


def scenario_from_facts(
    facts: BorrowerFacts,
    channel: str,
    now: datetime,
    *,
    initiated_by: str = "lender",
    message: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The policy scenario (contract input) for contacting a borrower on ``channel`` now."""
    borrower, points = facts.borrower, facts.points
    usable = [p for p in points if p.invalid_at is None]
    phone_points = [p for p in usable if p.channel == channel and channel in ("sms", "whatsapp")]
    phone_points = phone_points or [p for p in usable if p.channel in ("sms", "whatsapp")]
    phone_points.sort(key=lambda p: p.wrong_party_at is not None)  # the borrower's own first
    phone = phone_points[0].address if phone_points else None
    emails = sorted(
        (p for p in usable if p.channel == "email"), key=lambda p: p.wrong_party_at is not None
    )
    email = emails[0].address if emails else None
    # The postal address only for a letter (issue 18): other decisions keep the facts they had.
    postal_points = [p for p in usable if p.channel == "letter"] if channel == "letter" else []
    postal = postal_points[0].address if postal_points else None
    chosen = {"email": emails[:1], "letter": postal_points[:1]}.get(channel, phone_points[:1])
    borrower_facts: dict[str, Any] = {
        "country": borrower.country,
        "consent": sorted({p.channel for p in usable if p.consent_at}),
        "opt_outs": sorted({p.channel for p in points if p.opted_out_at is not None}),
        "flags": borrower.active_flags(),
    }
    if chosen and chosen[0].wrong_party_at is not None:
        # Only the address this message would go to counts (RULES.md RF-3P, TCPA-CONSENT).
        borrower_facts["wrong_party"] = [channel]
    for key, value in (
        ("region", borrower.region),
        ("postal_code", borrower.postal_code),
        ("timezone", borrower.timezone),
        ("phone", phone),
        ("email", email),
        ("postal_address", postal),
    ):
        if value:
            borrower_facts[key] = value
    if facts.last_inbound:
        borrower_facts["last_inbound"] = {ch: _iso(at) for ch, at in facts.last_inbound.items()}
    scenario: dict[str, Any] = {
        "id": f"borrower:{borrower.id}",
        "now": _iso(now),
        "channel": channel,
        "initiated_by": initiated_by,
        "borrower": borrower_facts,
        "history": [
            {"channel": ch, "at": _iso(at), "initiated_by": by or "lender"}
            for ch, at, by in facts.history
            if at > now - HISTORY_WINDOW
        ],
    }
    if message:
        scenario["message"] = message
    return scenario


def scenario_for(
    session: Session,
    borrower: Borrower,
    channel: str,
    now: datetime,
    *,
    initiated_by: str = "lender",
    message: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The policy scenario for contacting ``borrower`` on ``channel`` now (one borrower)."""
    facts = load_facts(session, [borrower.id], now)[borrower.id]
    return scenario_from_facts(facts, channel, now, initiated_by=initiated_by, message=message)


def archive_pack(session: Session, pack: RulePack) -> None:
    """Keep the exact pack that made a decision (once per version; a primary-key lookup)."""
    if session.get(RulePackSnapshot, pack.rules_version) is None:
        try:
            with session.begin_nested():
                session.add(
                    RulePackSnapshot(
                        rules_version=pack.rules_version,
                        name=pack.name,
                        chain={"packs": list(pack.chain)},
                        content=pack.content,
                    )
                )
        except IntegrityError:
            pass  # another process archived it at the same moment


def archived_pack(session: Session, rules_version: str) -> RulePack | None:
    snap = session.get(RulePackSnapshot, rules_version)
    if snap is None:
        return None
    return pack_from_content(
        snap.content, snap.name, tuple(snap.chain["packs"]), snap.rules_version
    )


def decide_with_pack(
    scenario: dict[str, Any], pack: RulePack | None = None
) -> tuple[dict[str, Any], RulePack]:
    """Decide a scenario; returns the decision (facts embedded, for replay) and the pack used."""
    parsed = parse_scenario(scenario)
    pack = pack or pack_for(parsed, os.environ.get("POLICY_OVERRIDES") or None)
    result = evaluate(pack, parsed).to_dict()
    result["facts"] = scenario
    return result, pack


def decide_scenario(
    scenario: dict[str, Any], session: Session | None = None, pack: RulePack | None = None
) -> dict[str, Any]:
    """Decide a scenario; the result embeds the facts so it can be replayed."""
    result, pack = decide_with_pack(scenario, pack)
    if session is not None:
        archive_pack(session, pack)
    return result


def check_contact(
    session: Session, borrower: Borrower, channel: str, now: datetime, **kwargs: Any
) -> dict[str, Any]:
    """The decision for contacting ``borrower`` on ``channel`` at ``now``."""
    return decide_scenario(scenario_for(session, borrower, channel, now, **kwargs), session)


# A reminder on WhatsApp outside the 24-hour session goes out as its approved Content template
# (every reminder template has one: config/whatsapp_templates.yaml), so the question for a
# reminder is the template's; on SMS there is only one kind of message.
REMINDER_MESSAGE = {"kind": "template", "category": "utility"}


def reminder_decisions(
    session: Session, points: Iterable[ContactPoint], now: datetime
) -> dict[tuple[int, str], dict[str, Any]]:
    """The policy's answer at ``now`` for a lender reminder on each point's channel, by
    (borrower id, channel): allowed or not, the reasons, ``next_allowed_at``, the candidate zones
    and their local times. Facts for every borrower are loaded in one set of queries; nothing
    is written (no pack archived: nothing is sent on this answer)."""
    wanted = {(p.borrower_id, p.channel) for p in points}
    facts = load_facts(session, {borrower_id for borrower_id, _ in wanted}, now)
    out = {}
    for borrower_id, channel in sorted(wanted):
        message = REMINDER_MESSAGE if channel == "whatsapp" else None
        scenario = scenario_from_facts(facts[borrower_id], channel, now, message=message)
        out[borrower_id, channel] = decide_scenario(scenario)
    return out
