"""Webhook subscriptions: where the lender wants which events, and how their deliveries fare.

Managed on the admin page (``outreach.web.admin``) and by ``flask --app wsgi events ...``;
both call these functions, which apply the same rules, audit every change (never the secret;
the URL without its query) and leave the commit to the caller.

A subscription's signing secret is ``whsec_`` and 32 random bytes in base64 (the Standard
Webhooks form, 24 to 64 bytes): it is returned once, by ``create``, and never shown again.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from outreach.audit import log as audit
from outreach.events import TYPES, new_webhook_id
from outreach.models import Event, EventDelivery, EventSubscription

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MAX_URL = 2000
SECRET_BYTES = 32


class SubscriptionError(ValueError):
    """Bad input; the message names each bad field (``field: problem``, one per line)."""


@dataclass
class Health:
    """A subscription with how its deliveries stand."""

    subscription: EventSubscription
    pending: int = 0
    delivered: int = 0
    dead: int = 0
    last_error: str | None = None
    last_error_at: datetime | None = None
    last_delivered_at: datetime | None = None


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def parse_types(raw: str | Iterable[str]) -> list[str]:
    """``t1,t2`` (or a list) as the distinct types, in the order of ``TYPES``; ``all`` is every
    type. SubscriptionError naming the unknown ones."""
    names = [t.strip() for t in (raw.split(",") if isinstance(raw, str) else raw) if t.strip()]
    if names == ["all"]:
        return list(TYPES)
    unknown = [t for t in names if t not in TYPES]
    if unknown:
        raise SubscriptionError(f"types: unknown event type(s) {', '.join(unknown)}")
    if not names:
        raise SubscriptionError("types: choose at least one event type")
    return [t for t in TYPES if t in names]


def url_problem(url: str, *, production: bool) -> str | None:
    """Why ``url`` cannot receive events, or None."""
    if not url or len(url) > MAX_URL:
        return f"url: an http(s) URL of at most {MAX_URL} characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port out of range)
    except ValueError:
        return "url: not a valid URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "url: an http:// or https:// URL with a host"
    if parts.username or parts.password:
        return "url: no credentials in the URL (the signature authenticates each delivery)"
    if production and parts.scheme != "https":
        return "url: must be https:// in production (deliveries carry loan numbers)"
    return None


def _shown_url(url: str) -> str:
    """The URL as the audit log and the admin page keep it: no query (it may hold a token)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def create(
    session: Session,
    name: str,
    url: str,
    types: str | Iterable[str],
    *,
    actor: str,
    now: datetime,
    production: bool = False,
) -> tuple[EventSubscription, str]:
    """A new active subscription and its secret (shown once). SubscriptionError naming every
    bad field: the name (letters, digits, ``.``, ``_``, ``-``; unique), the URL, the types."""
    name, url = name.strip(), url.strip()
    errors = []
    if not NAME.fullmatch(name):
        errors.append("name: 1 to 64 letters, digits, '.', '_' or '-', starting with one of them")
    elif session.scalar(select(EventSubscription.id).where(EventSubscription.name == name)):
        errors.append(f"name: a subscription named {name!r} exists")
    if problem := url_problem(url, production=production):
        errors.append(problem)
    try:
        wanted = parse_types(types)
    except SubscriptionError as exc:
        errors.append(str(exc))
    if errors:
        raise SubscriptionError("\n".join(errors))
    secret = new_secret()
    sub = EventSubscription(
        name=name,
        url=url,
        types=wanted,
        secret=secret,
        active=True,
        created_by=actor,
        created_at=now,
    )
    session.add(sub)
    session.flush()
    audit.record(
        session,
        actor,
        "events.subscribed",
        subject=f"subscription:{sub.id}",
        details={"name": name, "url": _shown_url(url), "types": wanted},
        at=now,
    )
    return sub, secret


def find(session: Session, name: str) -> EventSubscription | None:
    return session.scalar(select(EventSubscription).where(EventSubscription.name == name))


def set_active(
    session: Session, sub: EventSubscription, active: bool, *, actor: str, now: datetime
) -> None:
    """Pause (deliveries wait, nothing is lost) or resume a subscription."""
    if sub.active == active:
        return
    sub.active = active
    audit.record(
        session,
        actor,
        "events.resumed" if active else "events.paused",
        subject=f"subscription:{sub.id}",
        details={"name": sub.name},
        at=now,
    )


def remove(session: Session, sub: EventSubscription, *, actor: str, now: datetime) -> int:
    """Delete a subscription and its deliveries (the events stay); returns how many
    deliveries went."""
    gone = session.execute(
        delete(EventDelivery).where(EventDelivery.subscription_id == sub.id)
    ).rowcount
    audit.record(
        session,
        actor,
        "events.unsubscribed",
        subject=f"subscription:{sub.id}",
        details={"name": sub.name, "deliveries_removed": gone},
        at=now,
    )
    session.delete(sub)
    session.flush()
    return gone


def replay(
    session: Session,
    sub: EventSubscription,
    *,
    actor: str,
    now: datetime,
    since: datetime | None = None,
) -> int:
    """Send deliveries again, with their own ``webhook-id``; returns how many are queued.

    Without ``since``: every dead delivery of the subscription. With ``since``: every event of
    the subscription's types that occurred since then, delivered or dead, and those it never
    had a delivery for (emitted before it existed or wanted the type). A replayed delivery is
    due at once and starts its attempts afresh; it goes out before its stream's later events
    that are still pending."""
    fresh = {
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": None,
        "delivered_at": None,
        "claimed_until": None,
        "claim_token": None,
    }
    where = [EventDelivery.subscription_id == sub.id]
    if since is None:
        where.append(EventDelivery.status == "dead")
    else:
        where += [
            EventDelivery.status != "pending",
            EventDelivery.event_id.in_(select(Event.id).where(Event.occurred_at >= since)),
        ]
    count = session.execute(update(EventDelivery).where(*where).values(**fresh)).rowcount
    if since is not None:
        missing = select(Event.id, Event.stream, Event.seq).where(
            Event.occurred_at >= since,
            Event.type.in_(sub.types),
            ~select(EventDelivery.id)
            .where(EventDelivery.event_id == Event.id, EventDelivery.subscription_id == sub.id)
            .exists(),
        )
        rows = [
            {
                "event_id": event_id,
                "subscription_id": sub.id,
                "stream": stream,
                "seq": seq,
                "webhook_id": new_webhook_id(),
                "created_at": now,
                **fresh,
            }
            for event_id, stream, seq in session.execute(missing)
        ]
        if rows:
            session.execute(EventDelivery.__table__.insert(), rows)
        count += len(rows)
    audit.record(
        session,
        actor,
        "events.replayed",
        subject=f"subscription:{sub.id}",
        details={
            "name": sub.name,
            "since": since.isoformat() if since else None,
            "deliveries": count,
        },
        at=now,
    )
    return count


def health(session: Session) -> list[Health]:
    """Every subscription by name, with its pending / delivered / dead counts, its latest
    error among the deliveries not yet delivered, and its latest delivery."""
    subs = session.scalars(select(EventSubscription).order_by(EventSubscription.name)).all()
    out = {s.id: Health(s) for s in subs}
    counts = session.execute(
        select(EventDelivery.subscription_id, EventDelivery.status, func.count()).group_by(
            EventDelivery.subscription_id, EventDelivery.status
        )
    )
    for sub_id, status, n in counts:
        if sub_id in out and status in ("pending", "delivered", "dead"):
            setattr(out[sub_id], status, n)
    for h in out.values():
        failing = session.execute(
            select(EventDelivery.last_error, EventDelivery.last_attempt_at)
            .where(
                EventDelivery.subscription_id == h.subscription.id,
                EventDelivery.status.in_(("pending", "dead")),
                EventDelivery.last_error.is_not(None),
            )
            .order_by(EventDelivery.last_attempt_at.desc())
            .limit(1)
        ).first()
        if failing:
            h.last_error, h.last_error_at = failing
        h.last_delivered_at = session.scalar(
            select(func.max(EventDelivery.delivered_at)).where(
                EventDelivery.subscription_id == h.subscription.id,
                EventDelivery.status == "delivered",
            )
        )
    return list(out.values())


def shown_url(sub: EventSubscription) -> str:
    """The subscription's URL as lists show it (no query)."""
    return _shown_url(sub.url)
