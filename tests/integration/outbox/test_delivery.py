"""Dispatcher behaviour per row: channel fallback, WhatsApp templates outside the session,
permanent errors acted on, transient errors retried with backoff, stop conditions at send time,
delivery-status callbacks. A recording channel stands in for the provider (cosmicpython style:
``tests.support.channels.FakeChannels``, handed to ``dispatch``); the real Twilio client is
exercised against Prism in test_dispatch_prism.py."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from outreach.campaigns.planner import plan
from outreach.channels import ChannelError
from outreach.models import BorrowerFlag, ContactPoint, Message, OutboxItem
from outreach.outbox.dispatcher import dispatch
from tests.conftest import PUBLIC_BASE_URL
from tests.support.channels import FakeChannels
from tests.support.factories import make_borrower
from tests.support.twilio_signing import signed_post

INSIDE = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)


@pytest.fixture
def provider():
    return FakeChannels()


def item(session):
    session.expire_all()
    return session.scalar(select(OutboxItem))


def test_it_sends_a_whatsapp_content_template_outside_the_24_hour_session(
    session, settings, provider
):
    make_borrower(session, whatsapp=True, loan={"days_past_due": 7})  # +7: whatsapp first
    plan(session, INSIDE)
    assert dispatch(session, settings, INSIDE, channels=provider).sent == 1
    ((channel, _to, body, kwargs),) = provider.sent
    assert channel == "whatsapp" and kwargs["content_sid"].startswith("HX")
    assert kwargs["content_variables"]["1"] == "Demo Lender"
    assert "Reply STOP to stop" in body  # the rendered text is what the log keeps
    assert item(session).last_decision["facts"]["message"]["kind"] == "template"


def test_it_falls_back_to_the_next_channel_when_one_is_opted_out(session, settings, provider):
    borrower = make_borrower(session, whatsapp=True, loan={"days_past_due": 7})
    wa = next(p for p in borrower.contact_points if p.channel == "whatsapp")
    wa.opted_out_at = INSIDE - timedelta(days=1)
    session.commit()
    plan(session, INSIDE)
    assert dispatch(session, settings, INSIDE, channels=provider).sent == 1
    rows = session.scalars(select(Message).order_by(Message.id)).all()
    assert [(m.channel, m.status) for m in rows] == [("whatsapp", "blocked"), ("sms", "queued")]
    assert rows[0].decision["reasons"] == ["opted_out"]
    assert [s[0] for s in provider.sent] == ["sms"]


def test_it_marks_an_invalid_number_and_stops_using_it(session, settings, provider):
    borrower = make_borrower(session, loan={"days_past_due": 3})
    provider.errors["sms"] = [ChannelError("invalid", permanent=True, code="21211")]
    plan(session, INSIDE)
    report = dispatch(session, settings, INSIDE, channels=provider)
    assert (report.sent, report.failed) == (0, 1)
    session.refresh(borrower.contact_points[0])
    assert borrower.contact_points[0].invalid_at is not None
    assert item(session).status == "failed"


def test_it_marks_an_unsubscribed_number_opted_out(session, settings, provider):
    borrower = make_borrower(session, loan={"days_past_due": 3})
    provider.errors["sms"] = [ChannelError("unsubscribed", permanent=True, code="21610")]
    plan(session, INSIDE)
    dispatch(session, settings, INSIDE, channels=provider)
    session.refresh(borrower.contact_points[0])
    assert borrower.contact_points[0].opted_out_at is not None


def test_it_retries_a_transient_error_with_backoff_up_to_the_limit(session, settings, provider):
    make_borrower(session, loan={"days_past_due": 3})
    provider.errors["sms"] = [ChannelError("503", permanent=False)] * 10
    plan(session, INSIDE)
    assert dispatch(session, settings, INSIDE, channels=provider).retried == 1
    first = item(session)
    assert first.status == "pending" and INSIDE < first.not_before <= INSIDE + timedelta(seconds=30)
    now = INSIDE
    for _ in range(3):
        now = item(session).not_before
        dispatch(session, settings, now, channels=provider)
    assert item(session).attempts == 4 and item(session).status == "pending"
    assert dispatch(session, settings, item(session).not_before, channels=provider).failed == 1
    assert item(session).status == "failed" and item(session).attempts == 5


def test_it_recovers_after_a_transient_error(session, settings, provider):
    make_borrower(session, loan={"days_past_due": 3})
    provider.errors["sms"] = [ChannelError("timeout", permanent=False)]
    plan(session, INSIDE)
    dispatch(session, settings, INSIDE, channels=provider)
    assert dispatch(session, settings, item(session).not_before, channels=provider).sent == 1
    statuses = [m.status for m in session.scalars(select(Message).order_by(Message.id))]
    assert statuses == ["failed", "queued"]  # both attempts on record


def test_it_cancels_a_planned_reminder_when_a_flag_appears_before_sending(
    session, settings, provider
):
    borrower = make_borrower(session, loan={"days_past_due": 3})
    plan(session, INSIDE)
    session.add(BorrowerFlag(borrower_id=borrower.id, flag="attorney_represented"))
    session.commit()
    assert dispatch(session, settings, INSIDE, channels=provider).cancelled == 1
    assert item(session).last_error == "borrower_flag" and provider.sent == []


def test_it_acts_on_a_failed_status_callback_and_requeues_the_next_channel(
    client, session, settings, provider, clock
):
    borrower = make_borrower(session, loan={"days_past_due": 3})
    session.add(
        ContactPoint(
            borrower_id=borrower.id,
            channel="email",
            address="a@example.com",
            consent_at=INSIDE - timedelta(days=90),
        )
    )
    session.commit()
    plan(session, INSIDE)
    dispatch(session, settings, INSIDE, channels=provider)
    msg = session.scalar(select(Message))
    clock.move_to(INSIDE + timedelta(seconds=30))  # the carrier's report comes back
    resp = signed_post(
        client,
        "/webhooks/twilio/status",
        {"MessageSid": msg.provider_sid, "MessageStatus": "undelivered", "ErrorCode": "21211"},
        token=settings.sandbox_auth_token,
        base_url=PUBLIC_BASE_URL,
    )
    assert resp.status_code == 204
    session.expire_all()
    assert msg.status == "undelivered" and borrower.contact_points[0].invalid_at is not None
    assert item(session).status == "pending"
    assert dispatch(session, settings, INSIDE + timedelta(minutes=1), channels=provider).sent == 1
    assert [s[0] for s in provider.sent] == ["sms", "email"]
    assert provider.sent[1][3]["unsubscribe_url"].startswith(PUBLIC_BASE_URL + "/unsubscribe/")
