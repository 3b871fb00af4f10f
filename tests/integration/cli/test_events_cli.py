"""``flask --app wsgi events ...``: subscribe (the secret once), list with health, pause,
resume, unsubscribe, replay (dead letters, or every event since), deliver."""

from __future__ import annotations

import base64
import json

from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook

from outreach import events
from outreach.integrations.webhooks.sender import signed_headers
from outreach.models import AuditEvent, EventDelivery, EventSubscription
from tests.support.factories import make_borrower
from tests.support.webhook_receiver import WebhookReceiver


def run(runner, *args):
    return runner.invoke(args=["events", *args])


def test_it_prints_the_signing_secret_once_as_the_last_line(runner, session):
    result = run(
        runner, "subscribe", "--name", "core", "--url", "https://lender.test/hooks",
        "--types", "payment.received,promise.broken",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    secret = result.stdout.splitlines()[-1]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    sub = session.scalar(select(EventSubscription))
    assert sub.types == ["payment.received", "promise.broken"] and sub.secret == secret
    # A receiver holding it verifies what the sender signs.
    headers = signed_headers(secret, "msg_1", b'{"a":1}')
    assert Webhook(secret).verify(b'{"a":1}', headers) == {"a": 1}
    listed = run(runner, "list").stdout
    assert "whsec_" not in listed  # never shown again
    details = session.scalar(
        select(AuditEvent.details).where(AuditEvent.action == "events.subscribed")
    )
    assert details["name"] == "core" and "whsec_" not in json.dumps(details)


def test_it_names_each_bad_field_and_stores_nothing(runner, session):
    result = run(
        runner, "subscribe", "--name", "no spaces", "--url", "ftp://lender.test",
        "--types", "payment.received,payment.made",
    )  # fmt: skip
    assert result.exit_code != 0
    assert "name: 1 to 64 letters" in result.output
    assert "url: an http:// or https:// URL with a host" in result.output
    assert "types: unknown event type(s) payment.made" in result.output
    assert session.scalar(select(func.count()).select_from(EventSubscription)) == 0


def test_it_lists_each_subscription_with_its_delivery_health(runner, session, clock):
    borrower = make_borrower(session)
    with WebhookReceiver() as receiver:
        out = run(runner, "subscribe", "--name", "core", "--url", receiver.url, "--types", "all")
        receiver.secret = out.stdout.splitlines()[-1]
        receiver.default_status = 500
        for _ in range(2):
            events.emit(session, "hardship.reported", borrower.id, {}, clock.now())
        session.commit()
        delivered = run(runner, "deliver", "--at", "2026-11-24T16:00:00Z")
        assert json.loads(delivered.stdout)["retried"] == 1  # the second waits behind the first
    [row] = [json.loads(line) for line in run(runner, "list").stdout.splitlines()]
    assert (row["name"], row["active"], row["pending"], row["dead"]) == ("core", True, 2, 0)
    assert row["last_error"] == "HTTP 500" and row["url"] == receiver.url


def test_it_pauses_resumes_and_unsubscribes(runner, session, clock):
    run(runner, "subscribe", "--name", "core", "--url", "https://x.test/h", "--types", "all")
    events.emit(session, "hardship.reported", make_borrower(session).id, {}, clock.now())
    session.commit()
    assert run(runner, "pause", "core").exit_code == 0
    session.expire_all()
    assert session.scalar(select(EventSubscription.active)) is False
    assert run(runner, "resume", "core").exit_code == 0
    result = run(runner, "unsubscribe", "core")
    assert result.stdout.strip() == "subscription core deleted (1 deliveries)"
    assert session.scalar(select(func.count()).select_from(EventDelivery)) == 0
    missing = run(runner, "unsubscribe", "core")
    assert missing.exit_code != 0 and "name: no subscription named 'core'" in missing.output
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-4:] == [
        "events.subscribed",
        "events.paused",
        "events.resumed",
        "events.unsubscribed",
    ]


def test_it_replays_every_event_since_a_date_even_from_before_the_subscription(
    runner, session, clock
):
    borrower = make_borrower(session)
    events.emit(session, "hardship.reported", borrower.id, {}, clock.now())  # no subscriber yet
    session.commit()
    run(runner, "subscribe", "--name", "core", "--url", "https://x.test/h", "--types", "all")
    assert session.scalar(select(func.count()).select_from(EventDelivery)) == 0
    result = run(runner, "replay", "--subscription", "core", "--since", "2026-11-24T00:00:00Z")
    assert result.stdout.strip() == "1 deliveries queued for core"
    assert session.scalar(select(EventDelivery.status)) == "pending"
    bad = run(runner, "replay", "--subscription", "core", "--since", "yesterday")
    assert bad.exit_code != 0 and "--since: expected an ISO instant" in bad.output
