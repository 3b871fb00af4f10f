"""Admin page for event webhooks: admins only, CSRF, the secret shown once, health, pause,
resume, replay, delete, every change audited."""

from __future__ import annotations

import re

from sqlalchemy import select

from outreach import events
from outreach.integrations.webhooks.worker import deliver
from outreach.models import AuditEvent, EventDelivery, EventSubscription
from tests.support.factories import make_borrower
from tests.support.officers import login, make_officer
from tests.support.webhook_receiver import WebhookReceiver

FORM = {"name": "core", "url": "https://lender.test/hooks?token=abc", "types": ["plan.broken"]}


def test_it_admits_only_admins(client, session):
    login(client, make_officer(session, "supervisor"))
    assert client.get("/admin/events").status_code == 403
    assert client.post("/admin/events", data=FORM).status_code == 403
    assert session.scalar(select(EventSubscription)) is None


def test_it_refuses_a_form_without_its_csrf_token(app, client, session):
    login(client, make_officer(session, "admin"))
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/admin/events", data=FORM).status_code == 400
    assert session.scalar(select(EventSubscription)) is None


def test_it_shows_the_secret_once_and_never_again(client, session):
    login(client, make_officer(session, "admin"))
    resp = client.post("/admin/events", data=FORM)
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "no-store"
    secret = re.search(r'<code id="secret">(whsec_[^<]+)</code>', resp.get_data(as_text=True))
    assert secret and session.scalar(select(EventSubscription.secret)) == secret.group(1)
    again = client.get("/admin/events").get_data(as_text=True)
    assert "whsec_" not in again and "core" in again
    assert "token=abc" not in again  # the URL's query may hold the receiver's token
    action = session.scalar(select(AuditEvent.action).where(AuditEvent.action.like("events.%")))
    assert action == "events.subscribed"


def test_it_names_each_bad_field(client, session):
    login(client, make_officer(session, "admin"))
    resp = client.post(
        "/admin/events", data={"name": "", "url": "javascript:alert(1)"}, follow_redirects=True
    )
    page = resp.get_data(as_text=True)
    assert "name: 1 to 64 letters" in page and "url: an http:// or https:// URL" in page
    assert "types: choose at least one event type" in page


def test_it_shows_health_and_pauses_resumes_replays_and_deletes(client, session, settings, clock):
    login(client, make_officer(session, "admin"))
    borrower = make_borrower(session)
    with WebhookReceiver() as receiver:
        page = client.post("/admin/events", data={**FORM, "url": receiver.url}).get_data(True)
        receiver.secret = re.search(r'id="secret">([^<]+)<', page).group(1)
        receiver.default_status = 502
        events.emit(session, "plan.broken", borrower.id, {"plan_id": 1}, clock.now())
        session.commit()
        deliver(settings, clock.now())
        sub = session.scalar(select(EventSubscription))
        listing = client.get("/admin/events").get_data(as_text=True)
        assert "HTTP 502" in listing and ">1</td>" in listing  # one pending, its last error
        client.post(f"/admin/events/{sub.id}/pause")
        session.expire_all()
        assert sub.active is False
        client.post(f"/admin/events/{sub.id}/resume")
        session.query(EventDelivery).update({"status": "dead"})
        session.commit()
        resp = client.post(f"/admin/events/{sub.id}/replay", follow_redirects=True)
        assert "1 deliveries queued again for core." in resp.get_data(as_text=True)
        receiver.default_status = 204
        assert deliver(settings, clock.now()).delivered == 1
    bad = client.post(
        f"/admin/events/{sub.id}/replay", data={"since": "soon"}, follow_redirects=True
    )
    assert "since: a date like 2026-11-24" in bad.get_data(as_text=True)
    client.post(f"/admin/events/{sub.id}/delete")
    assert session.scalar(select(EventSubscription)) is None
    assert client.post(f"/admin/events/{sub.id}/delete").status_code == 404
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("events.%")).order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "events.subscribed",
        "events.paused",
        "events.resumed",
        "events.replayed",
        "events.unsubscribed",
    ]
