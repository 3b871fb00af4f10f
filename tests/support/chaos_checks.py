"""The chaos suite's invariants, read from the database and the provider stub at the end.

* no duplicate send: no reminder reached the provider more often than it was logged;
* no lost inbound message: every SID the load sent is logged, and answered (a bot turn, a reply
  after it in its conversation) or queued for an officer (an open hand-off);
* caps: no borrower received more reminders on one channel than ``per_channel_24h`` allows;
* the audit chain verifies from its first row;
* conversations kept their verification (and, with a persistent tracker store, Rasa's slots
  and active form: ``tracker_state``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.audit import chain as audit_chain
from outreach.models import BotTurn, Conversation, HandoffCase, Message, OutboxItem
from tests.support import servers


@dataclass
class Counts:
    sends: int = 0  # messages the provider stub received (reminders and replies)
    reminders_sent: int = 0
    inbound: int = 0
    inbound_logged: int = 0
    kills: int = 0
    restarts: int = 0
    duplicates: int = 0
    losses: int = 0
    cap_breaches: int = 0
    inbound_retries: int = 0
    forgotten_conversations: int = 0
    lost_inbound: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"chaos: sends={self.sends} reminders_sent={self.reminders_sent} "
            f"inbound={self.inbound} inbound_logged={self.inbound_logged} kills={self.kills} "
            f"database_restarts={self.restarts} "
            f"duplicates={self.duplicates} losses={self.losses} cap_breaches={self.cap_breaches} "
            f"inbound_retries={self.inbound_retries} "
            f"forgotten_conversations={self.forgotten_conversations}"
        )


def sms_cap() -> int:
    policy = yaml.safe_load((servers.ROOT / "config" / "policy" / "default.yaml").read_text())
    return int(_find(policy, "per_channel_24h")["max"])


def _find(tree: Any, key: str) -> Any:
    if isinstance(tree, dict):
        if key in tree:
            return tree[key]
        for value in tree.values():
            if (found := _find(value, key)) is not None:
                return found
    return None


def check_sends(session: Session, received: list[dict[str, Any]], counts: Counts) -> None:
    at_provider = Counter((m["to"], m["body"]) for m in received)
    reminders = session.scalars(
        select(Message).where(Message.direction == "out", Message.sender == "scheduler")
    ).all()
    logged = Counter((m.address, m.body) for m in reminders if m.status != "blocked")
    counts.sends = len(received)
    counts.duplicates = sum(max(0, at_provider[key] - n) for key, n in logged.items())
    counts.reminders_sent = session.query(OutboxItem).filter(OutboxItem.status == "sent").count()
    per_borrower: Counter[str] = Counter()
    for key in logged:
        per_borrower[key[0]] += at_provider[key]
    cap = sms_cap()
    counts.cap_breaches = sum(1 for n in per_borrower.values() if n > cap)


def check_inbound(session: Session, sids: dict[str, str], counts: Counts) -> None:
    counts.inbound = len(sids)
    rows = {
        m.provider_sid: m
        for m in session.scalars(
            select(Message).where(Message.direction == "in", Message.provider_sid.in_(list(sids)))
        )
    }
    counts.inbound_logged = len(rows)
    turned = set(session.scalars(select(BotTurn.message_id).where(BotTurn.message_id.is_not(None))))
    handed = set(session.scalars(select(HandoffCase.conversation_id)))
    replies: dict[int, int] = {}
    for conv_id, last in session.execute(
        select(Message.conversation_id, Message.id).where(Message.direction == "out")
    ):
        replies[conv_id] = max(replies.get(conv_id, 0), last)
    for sid in sids:
        msg = rows.get(sid)
        answered = msg is not None and (
            msg.id in turned
            or replies.get(msg.conversation_id, 0) > msg.id
            or msg.conversation_id in handed
        )
        if not answered:
            counts.lost_inbound.append(sid)
    counts.losses = len(counts.lost_inbound)


def audit_verifies(session: Session) -> bool:
    return audit_chain.verify(session, full=True).broken_id is None


def verified_conversations(session: Session) -> set[int]:
    return set(
        session.scalars(
            select(Conversation.id).where(Conversation.identity_verified_at.is_not(None))
        )
    )


def tracker_state(rasa_url: str, token: str, sender: str) -> dict[str, Any] | None:
    """What Rasa remembers of a conversation: its slots and active form (None if unreachable)."""
    try:
        response = requests.get(
            f"{rasa_url}/conversations/{sender}/tracker", params={"token": token}, timeout=30
        )
        response.raise_for_status()
        tracker = response.json()
    except (requests.RequestException, ValueError):
        return None
    slots = {
        k: v for k, v in (tracker.get("slots") or {}).items() if k != "session_started_metadata"
    }
    return {"slots": slots, "active_loop": (tracker.get("active_loop") or {}).get("name")}


def persistent_tracker_store() -> bool:
    """Whether the Rasa servers keep conversations outside their memory (a ``tracker_store`` in
    the endpoints scripts/rasa-server uses); the in-memory default forgets them on a restart."""
    bot = servers.ROOT / "bot"
    return any("tracker_store:" in p.read_text() for p in Path(bot).glob("endpoints*.yml"))
