"""Email unsubscribe: the footer link's page, and RFC 8058 one-click POSTs from mail clients."""

from datetime import UTC, datetime

from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from outreach.messaging.links import unsubscribe_url
from outreach.models import AuditEvent, ContactPoint
from tests.conftest import PUBLIC_BASE_URL
from tests.support.factories import make_borrower


def with_email(session):
    borrower = make_borrower(session)
    session.add(
        ContactPoint(
            borrower_id=borrower.id,
            channel="email",
            address="a@example.com",
            consent_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
    )
    session.commit()
    return borrower


def path(settings, borrower):
    return unsubscribe_url(settings, borrower.id).removeprefix(PUBLIC_BASE_URL)


def test_it_opts_out_email_on_a_one_click_post_without_a_csrf_token(app, session, settings):
    app.config["WTF_CSRF_ENABLED"] = True  # as in production: the exemption must hold
    borrower = with_email(session)
    resp = app.test_client().post(path(settings, borrower), data={"List-Unsubscribe": "One-Click"})
    assert resp.status_code == 204
    session.expire_all()
    email = session.scalar(select(ContactPoint).where(ContactPoint.channel == "email"))
    sms = session.scalar(select(ContactPoint).where(ContactPoint.channel == "sms"))
    assert email.opted_out_at is not None and sms.opted_out_at is None
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "email.unsubscribed"))
    assert event.borrower_id == borrower.id


def test_it_shows_a_confirmation_page_without_account_details(client, session, settings):
    borrower = with_email(session)
    page = client.get(path(settings, borrower))
    assert page.status_code == 200 and b"Stop emails from Demo Lender?" in page.data
    assert b"Ana" not in page.data and b"420" not in page.data
    done = client.post(path(settings, borrower))
    assert done.status_code == 200 and b"You are unsubscribed" in done.data


def test_it_refuses_a_forged_token(client, session):
    with_email(session)
    assert client.get("/unsubscribe/eyJiIjoxfQ.forged").status_code == 404
    assert (
        client.post(
            "/unsubscribe/eyJiIjoxfQ.forged", data={"List-Unsubscribe": "One-Click"}
        ).status_code
        == 404
    )
    assert (
        session.scalar(select(ContactPoint.opted_out_at).where(ContactPoint.channel == "email"))
        is None
    )


def test_it_expires_an_unsubscribe_link_after_60_days(app, session, settings, clock):
    borrower = with_email(session)
    link = path(settings, borrower)
    clock.advance(days=60)
    assert app.test_client().get(link).status_code == 200  # still inside the 60 days
    clock.advance(seconds=2)
    page = app.test_client().get(link)
    assert page.status_code == 410 and b"This link has expired" in page.data
    assert b"most recent email" in page.data  # how to opt out still (RF-OPTOUT-NOTICE)
    resp = app.test_client().post(link, data={"List-Unsubscribe": "One-Click"})
    assert resp.status_code == 410
    assert (
        session.scalar(select(ContactPoint.opted_out_at).where(ContactPoint.channel == "email"))
        is None
    )


def test_it_treats_the_old_links_that_never_expired_as_expired(client, session, settings):
    borrower = with_email(session)
    old = URLSafeSerializer(settings.secret_key, salt="email-unsubscribe.v1").dumps(
        {"b": borrower.id}
    )
    page = client.get(f"/unsubscribe/{old}")
    assert page.status_code == 410 and b"most recent email" in page.data
    one_click = client.post(f"/unsubscribe/{old}", data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 410
    assert (
        session.scalar(select(ContactPoint.opted_out_at).where(ContactPoint.channel == "email"))
        is None
    )
    forged = URLSafeSerializer("another secret", salt="email-unsubscribe.v1").dumps(
        {"b": borrower.id}
    )
    assert client.get(f"/unsubscribe/{forged}").status_code == 404


def test_it_answers_a_spanish_speaking_borrower_in_spanish(client, session, settings, clock):
    borrower = with_email(session)
    borrower.locale = "es_US"
    session.commit()
    link = path(settings, borrower)
    page = client.get(link).get_data(as_text=True)
    assert "¿Dejar de recibir correos de Demo Lender?" in page and 'lang="es"' in page
    clock.advance(days=61)
    expired = client.get(link).get_data(as_text=True)
    assert "Este enlace ha caducado" in expired
