"""Bridge from database rows to the pure policy engine.

Gathers the facts about a borrower (address, consent, opt-outs, flags, history, last inbound)
into a policy scenario, asks ``outreach.policy.decide`` and returns the decision together with the
facts it was made from, so the decision can be stored on the message row and replayed later.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Borrower, ContactPoint, Message
from .policy import decide, load_pack, parse_scenario

HISTORY_WINDOW = timedelta(days=8)  # longer than the longest rolling cap window (7 days)


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def scenario_for(session: Session, borrower: Borrower, channel: str, now: datetime, *,
                 initiated_by: str = "lender",
                 message: dict[str, str] | None = None) -> dict[str, Any]:
    """The policy scenario (contract input) for contacting ``borrower`` on ``channel`` now."""
    points = session.scalars(
        select(ContactPoint).where(ContactPoint.borrower_id == borrower.id)
    ).all()
    phone = next((p.address for p in points if p.channel in ("sms", "whatsapp")), None)
    email = next((p.address for p in points if p.channel == "email"), None)
    facts: dict[str, Any] = {
        "country": borrower.country,
        "consent": sorted({p.channel for p in points if p.consent_at and p.invalid_at is None}),
        "opt_outs": sorted({p.channel for p in points if p.opted_out_at is not None}),
        "flags": borrower.active_flags(),
    }
    for key, value in (("region", borrower.region), ("postal_code", borrower.postal_code),
                       ("timezone", borrower.timezone), ("phone", phone), ("email", email)):
        if value:
            facts[key] = value
    last_inbound = dict(session.execute(
        select(Message.channel, func.max(Message.created_at))
        .where(Message.borrower_id == borrower.id, Message.direction == "in")
        .group_by(Message.channel)
    ).all())
    if last_inbound:
        facts["last_inbound"] = {ch: _iso(at) for ch, at in last_inbound.items()}
    history = session.execute(
        select(Message.channel, Message.created_at, Message.initiated_by)
        .where(Message.borrower_id == borrower.id, Message.direction == "out",
               Message.status.not_in(("blocked", "failed", "cancelled")),
               Message.created_at > now - HISTORY_WINDOW)
        .order_by(Message.created_at)
    ).all()
    scenario: dict[str, Any] = {
        "id": f"borrower:{borrower.id}",
        "now": _iso(now),
        "channel": channel,
        "initiated_by": initiated_by,
        "borrower": facts,
        "history": [{"channel": ch, "at": _iso(at), "initiated_by": by or "lender"}
                    for ch, at, by in history],
    }
    if message:
        scenario["message"] = message
    return scenario


def decide_scenario(scenario: dict[str, Any]) -> dict[str, Any]:
    """Decide a stored scenario; the result embeds the facts for replay."""
    parsed = parse_scenario(scenario)
    borrower = scenario["borrower"]
    pack = load_pack(borrower["country"], borrower.get("region"),
                     os.environ.get("POLICY_OVERRIDES") or None)
    result = decide(parsed, pack).to_dict()
    result["facts"] = scenario
    return result


def check_contact(session: Session, borrower: Borrower, channel: str, now: datetime,
                  **kwargs: Any) -> dict[str, Any]:
    """The decision for contacting ``borrower`` on ``channel`` at ``now``."""
    return decide_scenario(scenario_for(session, borrower, channel, now, **kwargs))
