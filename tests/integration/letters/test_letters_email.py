"""A letter emailed as a PDF attachment through the email channel, to a real SMTP server."""

from __future__ import annotations

import email
import email.policy
import hashlib

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from outreach.channels import ChannelRegistry
from outreach.letters.mail import email_letter
from outreach.letters.service import LetterRefused, create_letter
from outreach.models import AuditEvent, ContactPoint
from tests.conftest import make_settings
from tests.support import servers
from tests.support.factories import CONSENTED, make_borrower
from tests.support.letters import add_postal, pdf_text
from tests.support.officers import login, make_officer


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"


@pytest.fixture
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=servers.free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


@pytest.fixture
def settings(database_url, inbox):
    return make_settings(
        database_url,
        SMTP_URL=f"smtp://127.0.0.1:{inbox[1]}?starttls=off",
        MAIL_FROM="Demo Lender <letters@lender.example>",
    )


def _borrower(session, **fields):
    b = make_borrower(session, **fields)
    add_postal(session, b)
    session.add(
        ContactPoint(
            borrower_id=b.id,
            channel="email",
            address="ana@example.com",
            consent_source="loan_agreement",
            consent_at=CONSENTED,
        )
    )
    session.commit()
    return b


def test_it_emails_the_stored_pdf_with_the_unsubscribe_link(session, settings, clock, inbox):
    handler, _ = inbox
    b = _borrower(session)
    letter = create_letter(
        session,
        settings,
        b.loans[0],
        "final_demand",
        clock.now(),
        actor="scheduler",
        delivery="email",
    )
    message = email_letter(
        session, settings, ChannelRegistry(settings), letter, clock.now(), actor="scheduler"
    )
    session.commit()
    ((rcpts, raw),) = handler.messages
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert rcpts == ["ana@example.com"]
    assert msg["Subject"] == f"A letter from Demo Lender about account {b.loans[0].loan_number}"
    assert msg["List-Unsubscribe"].startswith("<https://outreach.test/unsubscribe/")
    (attachment,) = list(msg.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"letter-{b.loans[0].loan_number}-final_demand.pdf"
    data = attachment.get_content()
    assert hashlib.sha256(data).hexdigest() == letter.sha256
    assert "Final demand" in pdf_text(data) and "$420.00" in pdf_text(data)
    assert "Please find attached a letter" in msg.get_body(("plain",)).get_content()
    assert (message.channel, message.status, message.template) == ("email", "sent", "letter_cover")
    assert letter.status == "emailed"
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "letter.emailed")).one()
    assert event.details == {
        "letter_id": letter.id,
        "sha256": letter.sha256,
        "message_id": message.id,
    }


def test_it_holds_the_email_to_the_contact_window_though_the_letter_is_not(
    session, settings, clock, inbox
):
    handler, _ = inbox
    clock.move_to(clock.now().replace(hour=7))  # 01:00 in Chicago
    b = _borrower(session, locale="es_US")
    letter = create_letter(
        session, settings, b.loans[0], "final_demand", clock.now(), actor="scheduler"
    )
    with pytest.raises(LetterRefused) as refused:
        email_letter(
            session, settings, ChannelRegistry(settings), letter, clock.now(), actor="scheduler"
        )
    assert refused.value.reasons == ["contact_window"]
    assert refused.value.next_allowed_at.endswith("T14:00:00Z")
    assert handler.messages == []


def test_it_emails_from_the_console_in_the_borrowers_language(session, settings, clock, inbox, app):
    handler, _ = inbox
    b = _borrower(session, locale="es_US")
    supervisor = make_officer(session, "supervisor")
    client = app.test_client()
    login(client, supervisor)
    client.post(f"/console/loans/{b.loans[0].id}/letters", data={"kind": "notice_of_arrears"})
    page = client.post("/console/letters/1/email", follow_redirects=True).get_data(as_text=True)
    assert "Letter #1 emailed as a PDF attachment." in page
    ((_, raw),) = handler.messages
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"].startswith("Una carta de Demo Lender")
    (attachment,) = list(msg.iter_attachments())
    assert "Aviso de atraso" in pdf_text(attachment.get_content())
