"""/metrics (issue 19: operations): Prometheus text with the figures counted from the database
at scrape time and the process latency histograms, for an admin or the monitor's token only."""

from __future__ import annotations

from dataclasses import replace

from prometheus_client.parser import text_string_to_metric_families

from outreach.campaigns.planner import plan
from outreach.leader import Leadership
from outreach.outbox.dispatcher import dispatch
from tests.conftest import PUBLIC_BASE_URL
from tests.support.channels import FakeChannels
from tests.support.factories import make_borrower
from tests.support.twilio_signing import inbound_form, signed_post

TOKEN = "metrics-t0ken"


def _scrape(client) -> dict[str, list]:
    client.application.extensions["settings"] = replace(
        client.application.extensions["settings"], health_token=TOKEN
    )
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    families = text_string_to_metric_families(response.get_data(as_text=True))
    return {f.name: f.samples for f in families}


def _value(samples, name: str, **labels: str) -> float:
    for sample in samples:
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
            return sample.value
    raise AssertionError(f"no sample {name} {labels}")


def test_it_is_for_an_admin_or_the_monitor_token_only(client):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_it_counts_queue_sends_blocks_and_the_leader_from_the_database(
    client, session, settings, clock, database_url
):
    make_borrower(session, phone="+13125550101", loan={"days_past_due": 3})
    opted_out = make_borrower(session, phone="+13125550102", loan={"days_past_due": 3})
    opted_out.contact_points[0].opted_out_at = clock.now()
    session.commit()
    plan(session, clock.now())
    dispatch(session, settings, clock.now(), channels=FakeChannels())
    leadership = Leadership(database_url)
    try:
        assert leadership.hold(clock.now())
        figures = _scrape(client)
    finally:
        leadership.release(clock.now())

    assert _value(figures["outreach_outbox_items"], "outreach_outbox_items", status="sent") == 1
    assert (
        _value(figures["outreach_messages_out"], "outreach_messages_out_total", channel="sms") >= 1
    )
    blocked = figures["outreach_messages_blocked"]
    assert sum(s.value for s in blocked if s.name == "outreach_messages_blocked_total") >= 1
    assert any("opt" in s.labels["reason"] for s in blocked)
    leader = figures["outreach_scheduler_leader"]
    assert [(s.labels["pid"], s.value) for s in leader] == [(str(leadership.pid), 1.0)]
    provider = figures["outreach_provider_call_seconds"]
    assert _value(provider, "outreach_provider_call_seconds_count", channel="sms") >= 1
    assert "outreach_bot_turn_seconds" in figures


def test_it_times_webhooks_and_counts_the_inbound_message(client, session, settings):
    make_borrower(session)
    form = inbound_form("SM" + "m" * 32, "+13125550100", "hi")
    before = _webhook_count(_scrape(client))
    response = signed_post(
        client,
        "/webhooks/twilio/sms",
        form,
        token=settings.sandbox_auth_token,
        base_url=PUBLIC_BASE_URL,
    )
    assert response.status_code == 200
    figures = _scrape(client)
    assert _webhook_count(figures) == before + 1
    assert _value(figures["outreach_messages_in"], "outreach_messages_in_total", channel="sms") == 1


def _webhook_count(figures) -> float:
    return sum(
        s.value
        for s in figures.get("outreach_webhook_seconds", [])
        if s.name == "outreach_webhook_seconds_count" and s.labels["endpoint"] == "webhooks.sms"
    )
