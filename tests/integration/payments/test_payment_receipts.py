"""The one receipt an applied payment gets the borrower (contract, "Effects")."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency
from sqlalchemy import select

from outreach.models import Conversation, Message
from tests.support.factories import make_borrower
from tests.support.payment_calls import post_stripe
from tests.support.payment_signing import stripe_session_event


def receipts(session) -> list[Message]:
    session.expire_all()
    return list(session.scalars(select(Message).where(Message.template == "payment_receipt")).all())


def pay(client, clock, loan_number: str | None, cents: int, intent: str, currency="usd"):
    event = stripe_session_event(loan_number, cents, currency, intent=intent)
    response = post_stripe(client, clock, event)
    assert response.status_code == 200, response.data
    return response.get_json()["status"]


def test_an_applied_payment_gets_one_receipt_on_the_usual_channel(client, session, clock):
    borrower = make_borrower(session)
    loan = borrower.loans[0]

    assert pay(client, clock, loan.loan_number, 4000, "pi_receipt_1") == "applied"

    (msg,) = receipts(session)
    assert (msg.channel, msg.address, msg.direction) == ("sms", "+13125550100", "out")
    assert (msg.borrower_id, msg.loan_id, msg.sender) == (borrower.id, loan.id, "payments")
    assert msg.status not in ("blocked", "failed")
    assert msg.initiated_by == "borrower" and msg.decision["allowed"]
    assert "$40.00" in msg.body and "****1234" in msg.body
    assert loan.loan_number not in msg.body


def test_a_duplicate_callback_sends_no_second_receipt(client, session, clock):
    loan = make_borrower(session).loans[0]
    assert pay(client, clock, loan.loan_number, 4000, "pi_receipt_dup") == "applied"
    assert pay(client, clock, loan.loan_number, 4000, "pi_receipt_dup") == "duplicate"
    assert len(receipts(session)) == 1


def test_a_parked_payment_gets_no_receipt(client, session, clock):
    loan = make_borrower(session).loans[0]
    assert pay(client, clock, "LN-NOBODY", 4000, "pi_receipt_unknown") == "review"
    assert pay(client, clock, loan.loan_number, 4000, "pi_receipt_eur", "eur") == "review"
    assert receipts(session) == []


def whatsapp_conversation(session, clock, *, wrote: bool) -> tuple:
    borrower = make_borrower(session, phone="+13125550177", whatsapp=True, locale="es_MX")
    conv = Conversation(
        channel="whatsapp",
        address="+13125550177",
        borrower_id=borrower.id,
        last_message_at=clock.now(),
    )
    session.add(conv)
    session.flush()
    if wrote:  # "quiero pagar ahora": the borrower's WhatsApp session is open
        session.add(
            Message(
                conversation_id=conv.id,
                borrower_id=borrower.id,
                direction="in",
                channel="whatsapp",
                address=conv.address,
                sender="borrower",
                body="quiero pagar ahora",
                status="received",
                created_at=clock.now(),
            )
        )
    session.commit()
    return borrower, conv


def test_the_receipt_goes_on_the_borrowers_conversation_in_their_language(client, session, clock):
    borrower, conv = whatsapp_conversation(session, clock, wrote=True)
    clock.advance(minutes=5)

    assert pay(client, clock, borrower.loans[0].loan_number, 12550, "pi_receipt_es") == "applied"

    (msg,) = receipts(session)
    assert (msg.channel, msg.conversation_id, msg.loan_id) == (
        "whatsapp",
        conv.id,
        borrower.loans[0].id,
    )
    assert msg.status not in ("blocked", "failed"), msg.decision
    money = format_currency(Decimal("125.50"), "USD", locale="es_MX").replace("\u00a0", " ")
    assert "recibimos su pago de" in msg.body and money in msg.body


def test_a_receipt_the_policy_refuses_is_recorded_as_blocked_not_sent(client, session, clock):
    borrower, conv = whatsapp_conversation(session, clock, wrote=False)

    assert pay(client, clock, borrower.loans[0].loan_number, 4000, "pi_receipt_closed") == "applied"

    (msg,) = receipts(session)
    assert (msg.status, msg.conversation_id) == ("blocked", conv.id)
    assert msg.decision["reasons"] == ["whatsapp_session_closed"]


def test_a_receipt_to_a_phone_two_borrowers_share_names_no_amount_or_loan(client, session, clock):
    # Group loans (issue 20): two members on one phone; the other may be holding it.
    payer = make_borrower(session, external_id="B-payer", phone="+13125550188")
    make_borrower(session, external_id="B-other", phone="+13125550188", full_name="Rosa Diaz")
    loan = payer.loans[0]

    assert pay(client, clock, loan.loan_number, 4000, "pi_receipt_shared") == "applied"

    (msg,) = receipts(session)
    assert msg.address == "+13125550188" and msg.status not in ("blocked", "failed")
    assert "we received a payment" in msg.body
    assert "$40.00" not in msg.body and "1234" not in msg.body and "Ana" not in msg.body
