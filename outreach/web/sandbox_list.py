"""What the sandbox phone list shows for each phone, so a newcomer picks a borrower well.

Per phone: the borrower's local time now, when a reminder may reach them and why, and how many
messages this browser has not seen on that phone yet.

- **When and why** is the contact policy's own answer
  (``outreach.messaging.contact_policy.reminder_decisions``): allowed now, or ``next_allowed_at``
  and the reasons; this module only words it, in the borrower's candidate zones (the policy's
  ``zones``: a borrower whose facts allow several zones is shown the time in each).
- **Unread** counts the messages sent to the phone after the newest one this browser saw on the
  phone's page. What a browser saw is kept in its own small cookie (``sandbox_seen``, path
  ``/sandbox``), not in the Flask session: that session is the officer's sign-in, cleared at
  every sign-in and sign-out and renewed only when an officer acts (security finding 10), and a
  demo visitor's read marks must neither wipe with it nor touch it. The cookie holds only phone
  and message ids; a forged one changes nothing but that browser's own counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.messaging.contact_policy import reminder_decisions
from outreach.models import ContactPoint, Message, OutboxItem

SEEN_COOKIE = "sandbox_seen"
SEEN_MAX_PHONES = 300  # ~3.5 KB at most: inside the 4 KB a browser keeps for one cookie
SEEN_MAX_AGE = timedelta(days=30)
UNREAD_STATUSES_EXCLUDED = ("blocked", "failed")  # never reached the phone
MAX_ZONE_GROUPS = 3  # a borrower placed only by country (all US zones): the first three times

# The policy's reason codes (outreach.policy.REASONS) in words.
REASON_TEXT = {
    "contact_window": "quiet hours",
    "no_common_window": "the contact hours of the borrower's zones never meet",
    "borrower_preference": "outside the borrower's preferred times",
    "frequency_cap": "contact limit reached",
    "opted_out": "opted out",
    "no_consent": "no consent on this channel",
    "no_address": "no usable address",
    "cease_and_desist": "cease and desist",
    "attorney_represented": "represented by an attorney",
    "dispute_open": "dispute open",
    "bankruptcy": "bankruptcy",
    "deceased": "deceased",
    "whatsapp_session_closed": "WhatsApp session closed",
    "marketing_not_allowed": "marketing not allowed",
}


@dataclass
class PhoneRow:
    """One sandbox phone in the list (or at the top of its own page)."""

    point: ContactPoint
    local_now: list[str]  # "Tue 10:00 America/Chicago", one per distinct local time
    reachable: bool
    next_reminder: str  # "now", "tomorrow 08:00 (quiet hours until 08:00 local)", "blocked: ..."
    reasons: list[str]  # the policy's codes, for the page's data attributes and tests
    queued: str | None = None  # a reminder already in the outbox for this borrower
    unread: int = 0
    sort_key: tuple[Any, ...] = field(default=(), repr=False)


def reasons_text(reasons: Iterable[str]) -> str:
    return ", ".join(REASON_TEXT.get(r, r) for r in reasons)


def _groups(at: datetime, zones: list[str]) -> list[tuple[datetime, list[str]]]:
    """``at`` on the wall clock of each zone, zones with the same wall time together."""
    by_wall: dict[datetime, list[str]] = {}
    for zone in zones:
        local = at.astimezone(ZoneInfo(zone))
        by_wall.setdefault(local.replace(tzinfo=None), []).append(zone)
    return sorted(by_wall.items())


def _zones_text(zones: list[str]) -> str:
    return zones[0] if len(zones) == 1 else f"{zones[0]} and {len(zones) - 1} more"


def _day(local: datetime, now: datetime, zone: str) -> str:
    """``today``, ``tomorrow`` or the date, counted in the borrower's own zone."""
    today = now.astimezone(ZoneInfo(zone)).date()
    if local.date() == today:
        return "today"
    if local.date() == today + timedelta(days=1):
        return "tomorrow"
    return f"{local:%a} {local.day} {local:%b}"


def _capped(parts: list[str]) -> list[str]:
    if len(parts) <= MAX_ZONE_GROUPS:
        return parts
    return [*parts[:MAX_ZONE_GROUPS], f"and {len(parts) - MAX_ZONE_GROUPS} more local times"]


def local_now(now: datetime, zones: list[str]) -> list[str]:
    """The borrower's local time at ``now`` in each of the policy's candidate zones."""
    return _capped([f"{wall:%a %H:%M} {_zones_text(zs)}" for wall, zs in _groups(now, zones)])


def when_text(at: datetime, now: datetime, zones: list[str]) -> tuple[str, str | None]:
    """(``tomorrow 08:00``, ``08:00 local``); when the zones' wall times differ, the time in
    each zone and no single local hour."""
    groups = _groups(at, zones)
    if len(groups) == 1:
        wall, zs = groups[0]
        return f"{_day(wall, now, zs[0])} {wall:%H:%M}", f"{wall:%H:%M} local"
    parts = [f"{_day(wall, now, zs[0])} {wall:%H:%M} {_zones_text(zs)}" for wall, zs in groups]
    return ", ".join(_capped(parts)), None


def next_reminder(decision: dict[str, Any], now: datetime) -> str:
    """The policy's answer in words: now, when and why, or blocked and why."""
    if decision["allowed"]:
        return "now"
    why = reasons_text(decision["reasons"])
    if decision.get("next_allowed_at"):
        at = _instant(decision["next_allowed_at"])
        when, until = when_text(at, now, decision["zones"])
        return f"{when} ({why} until {until})" if until else f"{when} ({why})"
    return f"blocked: {why}"


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _queued(session: Session, borrower_ids: set[int]) -> dict[int, OutboxItem]:
    """Each borrower's next pending reminder (the earliest ``not_before``)."""
    out: dict[int, OutboxItem] = {}
    if not borrower_ids:
        return out
    for item in session.scalars(
        select(OutboxItem)
        .where(OutboxItem.status == "pending", OutboxItem.borrower_id.in_(borrower_ids))
        .order_by(OutboxItem.not_before, OutboxItem.id)
    ):
        out.setdefault(item.borrower_id, item)
    return out


def _queued_text(item: OutboxItem, now: datetime, zones: list[str]) -> str:
    if item.not_before <= now:
        return f"{item.template} queued, due now"
    when, _ = when_text(item.not_before, now, zones)
    return f"{item.template} queued for {when}"


def unread_counts(
    session: Session, points: list[ContactPoint], seen: dict[int, int]
) -> dict[int, int]:
    """By point id: messages sent to the phone after the newest one this browser saw there."""
    if not points:
        return {}
    floor = min(seen.get(p.id, 0) for p in points)
    rows = session.execute(
        select(Message.channel, Message.address, Message.id).where(
            Message.direction == "out",
            Message.status.not_in(UNREAD_STATUSES_EXCLUDED),
            Message.channel.in_({p.channel for p in points}),
            Message.address.in_({p.address for p in points}),
            Message.id > floor,
        )
    ).all()
    ids_by_phone: dict[tuple[str, str], list[int]] = {}
    for channel, address, message_id in rows:
        ids_by_phone.setdefault((channel, address), []).append(message_id)
    return {
        p.id: sum(1 for m in ids_by_phone.get((p.channel, p.address), ()) if m > seen.get(p.id, 0))
        for p in points
    }


def phone_rows(
    session: Session, points: list[ContactPoint], now: datetime, seen: dict[int, int]
) -> list[PhoneRow]:
    """A row per phone, reachable ones first, then by when a reminder may reach them."""
    decisions = reminder_decisions(session, points, now)
    queued = _queued(session, {p.borrower_id for p in points})
    unread = unread_counts(session, points, seen)
    rows = []
    for point in points:
        decision = decisions[point.borrower_id, point.channel]
        zones = decision["zones"]
        next_at = decision.get("next_allowed_at")
        rank = 0 if decision["allowed"] else 1 if next_at else 2
        item = queued.get(point.borrower_id)
        rows.append(
            PhoneRow(
                point=point,
                local_now=local_now(now, zones),
                reachable=decision["allowed"],
                next_reminder=next_reminder(decision, now),
                reasons=list(decision["reasons"]),
                queued=_queued_text(item, now, zones) if item is not None else None,
                unread=unread[point.id],
                sort_key=(rank, next_at or "", point.borrower.full_name, point.channel, point.id),
            )
        )
    rows.sort(key=lambda r: r.sort_key)
    return rows


def read_seen(raw: str | None) -> dict[int, int]:
    """The cookie's ``point-message.point-message...`` pairs; anything malformed is ignored."""
    seen: dict[int, int] = {}
    for part in (raw or "").split(".")[:SEEN_MAX_PHONES]:
        point, _, message = part.partition("-")
        if point.isdigit() and message.isdigit() and len(point) < 19 and len(message) < 19:
            seen[int(point)] = max(int(message), seen.get(int(point), 0))
    return seen


def write_seen(seen: dict[int, int]) -> str:
    """The cookie value: the most recently read phones when there are more than fit."""
    newest = sorted(seen.items(), key=lambda kv: kv[1], reverse=True)[:SEEN_MAX_PHONES]
    return ".".join(f"{point}-{message}" for point, message in sorted(newest))
