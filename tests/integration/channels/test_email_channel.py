"""Email over SMTP against a real SMTP server (aiosmtpd): STARTTLS, AUTH, both MIME parts,
one-click unsubscribe headers, a 5.1.x recipient refusal turned into a failed address and the
next channel, and refusals of our own settings or content that leave addresses alone."""

import email
import email.policy
import logging
import ssl
import subprocess
from datetime import UTC, datetime

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from outreach.campaigns.planner import plan
from outreach.channels import ChannelError, EmailChannel
from outreach.models import ContactPoint, Message, OutboxItem
from outreach.outbox.dispatcher import dispatch
from outreach.settings import SettingsError
from tests.conftest import make_settings
from tests.support import servers
from tests.support.factories import CONSENTED, make_borrower

INSIDE = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)


class Handler:
    """Answers as a relay does: a missing mailbox (5.1.1), a sender it will not relay for, a
    destination it does not relay to, content its filter rejects (AUTH required: aiosmtpd)."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if address.startswith("blocked@"):
            return f"553 5.7.1 <{address}>: Sender address rejected: not owned by user mailer"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("gone@"):
            return "550 5.1.1 mailbox unavailable"
        if address.startswith("relay@"):
            return f"554 5.7.1 <{address}>: Relay access denied"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if any(r.startswith("filtered@") for r in envelope.rcpt_tos):
            return "554 5.7.1 Message content rejected as spam"
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"mailer",
        b"s3cret",
    )
    return AuthResult(success=ok)


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(d / "key.pem"),
            "-out",
            str(d / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    return d / "cert.pem", d / "key.pem"


@pytest.fixture
def smtp(tls_files):
    cert, key = tls_files
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler = Handler()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=servers.free_port(),
        tls_context=context,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    controller.start()
    try:
        yield handler, controller.port, cert
    finally:
        controller.stop()


@pytest.fixture
def mail_settings(database_url, smtp):
    _, port, cert = smtp
    return make_settings(
        database_url,
        SMTP_URL=f"smtp://mailer:s3cret@127.0.0.1:{port}?cafile={cert}",
        MAIL_FROM="Demo Lender <reminders@lender.example>",
    )


def add_email(session, borrower, address):
    session.add(
        ContactPoint(
            borrower_id=borrower.id,
            channel="email",
            address=address,
            consent_source="loan_agreement",
            consent_at=CONSENTED,
        )
    )
    session.commit()


def test_it_sends_text_and_html_with_one_click_unsubscribe_over_starttls(smtp, mail_settings):
    handler, _, _ = smtp
    channel = EmailChannel(mail_settings)
    result = channel.send(
        "ana@example.com",
        "Plain body",
        subject="Hello",
        html="<p>Body</p>",
        unsubscribe_url="https://outreach.test/unsubscribe/tok",
    )
    assert result.provider_sid.startswith("EM")
    ((rcpts, raw),) = handler.messages
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert rcpts == ["ana@example.com"] and msg["Subject"] == "Hello"
    assert msg["List-Unsubscribe"] == "<https://outreach.test/unsubscribe/tok>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg.get_body(("plain",)).get_content().strip() == "Plain body"
    assert msg.get_body(("html",)).get_content().strip() == "<p>Body</p>"


def test_it_refuses_to_authenticate_without_tls(smtp, database_url):
    _, port, _ = smtp
    settings = make_settings(
        database_url,
        SMTP_URL=f"smtp://mailer:s3cret@127.0.0.1:{port}",
        MAIL_FROM="reminders@lender.example",
    )
    with pytest.raises(ChannelError) as err:  # the self-signed cert is not trusted
        EmailChannel(settings).send("ana@example.com", "x", subject="s")
    assert not err.value.permanent


def test_it_names_a_bad_smtp_url(database_url):
    with pytest.raises(SettingsError, match="SMTP_URL"):
        make_settings(database_url, SMTP_URL="http://mail")


def test_it_dispatches_an_email_reminder_with_unsubscribe_link(smtp, mail_settings, session):
    handler, _, _ = smtp
    borrower = make_borrower(session, loan={"days_past_due": 60})
    session.delete(borrower.contact_points[0])  # email only
    session.commit()
    add_email(session, borrower, "ana@example.com")
    plan(session, INSIDE)
    assert dispatch(session, mail_settings, INSIDE).sent == 1
    msg = session.scalar(select(Message))
    assert (msg.channel, msg.status, msg.template) == ("email", "sent", "payment_overdue")
    raw = email.message_from_bytes(handler.messages[0][1], policy=email.policy.default)
    unsubscribe = raw["List-Unsubscribe"].strip().strip("<>")
    assert unsubscribe.startswith("https://outreach.test/unsubscribe/")
    assert unsubscribe in raw.get_body(("plain",)).get_content()


def test_it_marks_a_rejected_address_failed_and_falls_back_to_sms(smtp, mail_settings, session):
    borrower = make_borrower(session, loan={"days_past_due": 60})  # +60: email, sms, whatsapp
    add_email(session, borrower, "gone@example.com")
    plan(session, INSIDE)
    report = dispatch(session, mail_settings, INSIDE)
    assert report.sent == 1
    sent = session.scalars(select(Message).order_by(Message.id)).all()
    assert [(m.channel, m.status) for m in sent] == [("email", "failed"), ("sms", "delivered")]
    assert "550" in sent[0].error
    point = session.scalar(select(ContactPoint).where(ContactPoint.channel == "email"))
    assert point.invalid_at is not None
    assert session.scalar(select(OutboxItem)).payload["tried"] == ["email"]


@pytest.mark.parametrize(
    ("credentials", "mail_from", "recipient", "code", "kind"),
    [
        ("", "reminders@lender.example", "ana@example.com", "530", "auth"),  # no AUTH given
        ("mailer:s3cret@", "blocked@lender.example", "ana@example.com", "553", "sender"),
        ("mailer:s3cret@", "reminders@lender.example", "relay@elsewhere.example", "554", "relay"),
        ("mailer:s3cret@", "reminders@lender.example", "filtered@example.com", "554", "content"),
    ],
)
def test_it_leaves_the_address_alone_when_the_relay_refuses_our_settings_or_content(
    smtp, database_url, session, caplog, credentials, mail_from, recipient, code, kind
):
    _, port, cert = smtp
    settings = make_settings(
        database_url,
        SMTP_URL=f"smtp://{credentials}127.0.0.1:{port}?cafile={cert}",
        MAIL_FROM=f"Demo Lender <{mail_from}>",
    )
    borrower = make_borrower(session, loan={"days_past_due": 60})  # +60: email first
    add_email(session, borrower, recipient)
    plan(session, INSIDE)
    caplog.set_level(logging.INFO)
    report = dispatch(session, settings, INSIDE)
    assert (report.sent, report.retried) == (0, 1)  # the send failed and will be retried
    msg = session.scalar(select(Message).where(Message.channel == "email"))
    assert msg.status == "failed" and code in msg.error and kind in msg.error
    point = session.scalar(select(ContactPoint).where(ContactPoint.channel == "email"))
    assert point.invalid_at is None and point.opted_out_at is None
    item = session.scalar(select(OutboxItem))
    assert item.status == "pending" and item.payload.get("tried", []) == []  # no SMS fallback
    alerts = [
        r.getMessage()
        for r in caplog.records
        if r.name == "outreach.channels.email" and r.levelno == logging.ERROR
    ]
    assert len(alerts) == 1 and code in alerts[0] and kind in alerts[0]
    assert recipient not in caplog.text and borrower.full_name not in caplog.text
    assert "+13125550100" not in caplog.text


@pytest.fixture
def plain_smtp():
    """A server that offers no STARTTLS: what a man in the middle stripping the offer shows."""
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=servers.free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


def test_it_never_sends_in_clear_when_starttls_is_not_offered(plain_smtp, database_url):
    handler, port = plain_smtp
    settings = make_settings(
        database_url, SMTP_URL=f"smtp://127.0.0.1:{port}", MAIL_FROM="reminders@lender.example"
    )
    with pytest.raises(ChannelError) as err:
        EmailChannel(settings).send("ana@example.com", "x", subject="s")
    assert "STARTTLS" in str(err.value) and not err.value.permanent
    assert handler.messages == []


def test_it_sends_in_clear_only_to_a_local_relay_the_url_names(plain_smtp, database_url):
    handler, port = plain_smtp
    settings = make_settings(
        database_url,
        SMTP_URL=f"smtp://127.0.0.1:{port}?starttls=off",
        MAIL_FROM="reminders@lender.example",
    )
    EmailChannel(settings).send("ana@example.com", "x", subject="s")
    assert [rcpts for rcpts, _ in handler.messages] == [["ana@example.com"]]
    for url in ("smtp://mail.lender.example:25?starttls=off", "smtp://127.0.0.1:25?starttls=auto"):
        with pytest.raises(SettingsError, match="SMTP_URL: starttls"):
            make_settings(database_url, SMTP_URL=url)
