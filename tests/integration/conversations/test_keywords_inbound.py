"""STOP / START / HELP from a borrower take effect at once, on SMS and WhatsApp alike."""

from sqlalchemy import select

from outreach.models import AuditEvent, BorrowerFlag, ContactPoint, Message
from tests.conftest import PUBLIC_BASE_URL
from tests.support.factories import make_borrower
from tests.support.twilio_signing import inbound_form, signed_post

_n = iter(range(1, 10_000))


def text_in(client, settings, body, route="sms", sender="+13125550100"):
    return signed_post(
        client,
        f"/webhooks/twilio/{route}",
        inbound_form(f"SM{next(_n):032d}", sender, body, channel=route),
        token=settings.sandbox_auth_token,
        base_url=PUBLIC_BASE_URL,
    )


def outbound(session):
    session.expire_all()
    return session.scalars(
        select(Message).where(Message.direction == "out").order_by(Message.id)
    ).all()


def test_it_opts_out_sms_and_whatsapp_for_the_number_with_one_confirmation(
    client, settings, session
):
    make_borrower(session, whatsapp=True)
    text_in(client, settings, "  Stop! ")
    text_in(client, settings, "STOP", route="whatsapp")
    points = session.scalars(select(ContactPoint)).all()
    assert all(p.opted_out_at is not None for p in points)
    sent = outbound(session)
    assert len(sent) == 1 and "no longer receive messages" in sent[0].body
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "consent.opt_out"))
    assert [e.details["text"] for e in events] == ["  Stop! ", "STOP"]


def test_it_resubscribes_on_start(client, settings, session):
    make_borrower(session)
    text_in(client, settings, "stop")
    text_in(client, settings, "START")
    session.expire_all()
    assert session.scalar(select(ContactPoint)).opted_out_at is None
    assert "subscribed again" in outbound(session)[-1].body


def test_it_keeps_a_flagged_borrower_opted_out_on_start(client, settings, session):
    borrower = make_borrower(session)
    session.add(BorrowerFlag(borrower_id=borrower.id, flag="cease_and_desist"))
    session.commit()
    text_in(client, settings, "STOP")
    text_in(client, settings, "start")
    session.expire_all()
    assert session.scalar(select(ContactPoint)).opted_out_at is not None
    assert len(outbound(session)) == 1  # the STOP confirmation only
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "consent.opt_in_refused"))


def test_it_answers_help_without_involving_the_bot(client, settings, session):
    make_borrower(session)
    text_in(client, settings, "HELP")
    assert "reply" in outbound(session)[-1].body.lower()


def test_it_blocks_reminders_after_a_stop(client, settings, session):
    from tests.support.reminders import INSIDE, remind

    make_borrower(session)
    text_in(client, settings, "Stop texting me please")
    report = remind(session, settings, INSIDE)
    assert report.cancelled == 1 and report.sent == 0


def test_it_passes_yes_from_a_subscribed_number_to_the_bot(client, settings, session):
    make_borrower(session)
    text_in(client, settings, "YES")
    assert not session.scalar(select(AuditEvent).where(AuditEvent.action == "consent.opt_in"))
    assert all("subscribed again" not in m.body for m in outbound(session))
