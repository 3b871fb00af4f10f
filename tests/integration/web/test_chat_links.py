"""A reminder's self-service link once the borrower has paid up: refused, kindly, in the
borrower's language; the chat stays open but is not tied to the account (finding 26)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from outreach.messaging.links import make_token
from outreach.models import AuditEvent, Conversation, Loan
from tests.support.factories import make_borrower


def paid_up(session):
    borrower = make_borrower(session)
    loan = session.scalar(select(Loan).where(Loan.borrower_id == borrower.id))
    loan.outstanding, loan.past_due_amount, loan.status = Decimal("0.00"), Decimal("0.00"), "paid"
    session.commit()
    return borrower


def test_it_refuses_a_paid_up_borrowers_link_on_the_chat_page(client, session, settings):
    borrower = paid_up(session)
    token = make_token(settings, borrower.id)
    page = client.get(f"/chat/?t={token}").get_data(as_text=True)
    assert "Your account is paid up: there is nothing left to pay." in page
    assert token not in page and 'data-link=""' in page  # the widget opens anonymous
    assert "has expired" not in page
    spanish = client.get(f"/chat/?t={token}&lang=es").get_data(as_text=True)
    assert "Su cuenta está al día" in spanish


def test_it_does_not_tie_a_chat_to_a_paid_up_borrower(client, session, settings):
    borrower = paid_up(session)
    resp = client.post("/chat/api/session", json={"link": make_token(settings, borrower.id)})
    assert resp.status_code == 201 and resp.get_json()["link"] == "settled"
    conv = session.scalar(select(Conversation).where(Conversation.channel == "web"))
    assert conv.borrower_id is None
    started = session.scalar(select(AuditEvent).where(AuditEvent.action == "chat.started"))
    assert started.details["link"] == "settled"


def test_it_keeps_the_link_while_any_loan_is_still_owed(client, session, settings):
    borrower = paid_up(session)
    session.add(
        Loan(
            borrower_id=borrower.id,
            loan_number="LN-SECOND-0001",
            product="personal",
            currency="USD",
            principal=Decimal("900.00"),
            outstanding=Decimal("150.00"),
            status="current",
        )
    )
    session.commit()
    resp = client.post("/chat/api/session", json={"link": make_token(settings, borrower.id)})
    assert resp.get_json()["link"] == "valid"
    conv = session.scalar(select(Conversation).where(Conversation.channel == "web"))
    assert conv.borrower_id == borrower.id


@pytest.mark.parametrize(
    ("asked", "html_lang", "words"),
    [
        ("sw", "sw", "Msaada wa akaunti"),
        ("fil", "fil", "Tulong sa account"),
        ("tl", "fil", "Tulong sa account"),  # Tagalog's old code
        ("hi", "hi", "खाते में मदद"),
        ("hi-Latn", "hi-Latn", "Account mein madad"),
        ("xx", "en", "Account help"),
    ],
)
def test_the_chat_page_and_its_widget_speak_the_borrowers_language(
    client, session, settings, asked, html_lang, words
):
    borrower = paid_up(session)
    page = client.get(f"/chat/?t={make_token(settings, borrower.id)}&lang={asked}").get_data(
        as_text=True
    )
    assert f'<html lang="{html_lang}">' in page and f'data-lang="{html_lang}"' in page
    assert words in page


@pytest.mark.parametrize(
    ("locale", "language"), [("hi-Latn", "hi_Latn"), ("sw", "sw"), ("fr", None)]
)
def test_a_widget_chat_starts_in_the_pages_language(client, session, locale, language):
    resp = client.post("/chat/api/session", json={"link": "", "locale": locale})
    assert resp.status_code == 201
    conv = session.scalar(select(Conversation).where(Conversation.channel == "web"))
    assert conv.language == language
