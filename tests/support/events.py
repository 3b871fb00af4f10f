"""Helpers for outbound event tests: a subscription a receiver verifies, what it got."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy.orm import Session

from outreach.integrations.webhooks import subscriptions
from outreach.models import EventSubscription
from tests.support.webhook_receiver import Delivery, WebhookReceiver


def subscribe(
    session: Session,
    receiver: WebhookReceiver,
    now: datetime,
    *,
    types: str = "all",
    name: str = "core-banking",
) -> EventSubscription:
    """A committed subscription to ``receiver``, whose secret the receiver now verifies with."""
    sub, secret = subscriptions.create(session, name, receiver.url, types, actor="test", now=now)
    session.commit()
    receiver.secret = secret
    return sub


def first_arrivals(deliveries: list[Delivery]) -> dict[str, list[str]]:
    """Per borrower (external id), the event ids in the order they first arrived."""
    seen: set[str] = set()
    out: dict[str, list[str]] = defaultdict(list)
    for d in deliveries:
        if d.body["id"] not in seen:
            seen.add(d.body["id"])
            out[d.body["data"]["borrower_external_id"]].append(d.body["id"])
    return out
