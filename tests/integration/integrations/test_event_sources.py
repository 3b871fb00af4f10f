"""Where the contract's event types happen: each service emits its event with the change, and
the data names the lender's own identifiers, never a phone number or a message's text."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from outreach.arrangements.agreements import create_plan, record_promise
from outreach.arrangements.limits import PlanTerms
from outreach.arrangements.review import review_arrangements
from outreach.campaigns.planner import plan as plan_reminders
from outreach.channels import ChannelError
from outreach.conversations import handoffs
from outreach.conversations.keywords import apply_keyword
from outreach.models import Conversation, Event, Loan, Message
from outreach.outbox.dispatcher import dispatch
from outreach.payments.apply import apply_event
from outreach.payments.base import PaymentEvent
from outreach.selfservice.account import flag_account
from outreach.selfservice.handoff import open_case
from tests.conftest import PUBLIC_BASE_URL
from tests.support.channels import FakeChannels
from tests.support.factories import make_borrower
from tests.support.twilio_signing import signed_post

PHONE = "+13125550100"


def borrower_of(session, phone: str = PHONE, **fields):
    """A borrower whose external id (the lender's) does not contain the phone number."""
    return make_borrower(session, phone=phone, external_id=f"CUST-{phone[-4:]}", **fields)


def emitted(session) -> list[tuple[str, int | None, dict]]:
    session.expire_all()
    rows = session.scalars(select(Event).order_by(Event.id)).all()
    return [(e.type, e.seq, e.data) for e in rows]


def types(session) -> list[str]:
    return [kind for kind, _seq, _data in emitted(session)]


def assert_no_personal_data(session) -> None:
    text = json.dumps([data for _k, _s, data in emitted(session)])
    assert PHONE not in text and "Ana Garcia" not in text


def conversation(session, borrower, channel="sms") -> Conversation:
    conv = Conversation(channel=channel, address=PHONE, borrower_id=borrower.id)
    session.add(conv)
    session.commit()
    return conv


def test_it_tells_of_a_payment_before_the_promise_it_keeps(session, settings, clock):
    borrower = borrower_of(session)
    loan = borrower.loans[0]
    today = borrower.today(clock.now())
    record_promise(
        session, loan, today + timedelta(days=2), Decimal("100"), created_by="bot", today=today
    )
    session.commit()
    payment = PaymentEvent(
        "stripe", "pi_123", loan.loan_number, Decimal("100.00"), "USD", clock.now()
    )
    assert (
        apply_event(
            session, payment, clock.now(), settings=settings, channels=FakeChannels()
        ).status
        == "applied"
    )
    (created, _, _), (paid, seq, data), (kept, kept_seq, _) = emitted(session)
    assert (created, paid, kept) == ("promise.created", "payment.received", "promise.kept")
    assert (seq, kept_seq) == (2, 3)
    assert data["loan_number"] == loan.loan_number and data["amount"] == "100.00"
    assert (data["provider"], data["reference"], data["currency"]) == ("stripe", "pi_123", "USD")
    assert_no_personal_data(session)


def test_it_tells_of_a_plan_accepted_and_then_broken(session, clock):
    borrower = borrower_of(session)
    loan = borrower.loans[0]
    today = borrower.today(clock.now())
    create_plan(
        session,
        loan,
        PlanTerms(Decimal("140"), 3, "biweekly", today),
        created_by="officer:3",
        today=today,
    )
    session.commit()
    review_arrangements(session, clock.now() + timedelta(days=10))  # first instalment missed
    (accepted, _, data), (broken, _, broken_data) = emitted(session)
    assert (accepted, broken) == ("plan.accepted", "plan.broken")
    assert data["total"] == "420.00" and data["created_by"] == "officer"
    assert broken_data["instalments_missed"] == 1


def test_it_tells_of_a_plan_completed(session, settings, clock):
    borrower = borrower_of(session)
    loan = borrower.loans[0]
    today = borrower.today(clock.now())
    create_plan(
        session,
        loan,
        PlanTerms(Decimal("140"), 3, "biweekly", today),
        created_by="bot",
        today=today,
    )
    session.commit()
    paid = PaymentEvent("stripe", "pi_all", loan.loan_number, Decimal("420.00"), "USD", clock.now())
    apply_event(session, paid, clock.now(), settings=settings, channels=FakeChannels())
    assert types(session) == ["plan.accepted", "payment.received", "plan.completed"]


def test_it_tells_of_a_dispute_and_of_hardship_from_the_bot(session, settings):
    borrower = borrower_of(session)
    conv = conversation(session, borrower)
    flag_account(conv.public_id, "dispute_open", settings)
    flag_account(conv.public_id, "dispute_open", settings)  # already flagged: no second event
    flag_account(conv.public_id, "complaint", settings)  # not an event type
    flag_account(conv.public_id, "hardship", settings)
    assert [(k, d["source"]) for k, _s, d in emitted(session)] == [
        ("dispute.opened", "bot"),
        ("hardship.reported", "bot"),
    ]


def test_it_tells_of_an_opt_out_once_without_the_number(session, settings):
    borrower = borrower_of(session, whatsapp=True)
    conv = conversation(session, borrower)
    apply_keyword(session, settings, FakeChannels(), conv, "opt_out", "STOP")
    apply_keyword(session, settings, FakeChannels(), conv, "opt_out", "STOP")
    session.commit()
    [(kind, _seq, data)] = emitted(session)
    assert kind == "contact.opted_out"
    assert (data["channels"], data["via"]) == (["sms", "whatsapp"], "keyword")
    assert_no_personal_data(session)


def test_it_tells_of_a_reply_the_provider_refused(session, settings):
    borrower = borrower_of(session)
    conv = conversation(session, borrower)
    down = FakeChannels({"sms": [ChannelError("Twilio 503", permanent=False, code="30001")]})
    apply_keyword(session, settings, down, conv, "help", "HELP")
    [(kind, _seq, data)] = emitted(session)
    assert (kind, data["status"], data["error_code"]) == ("message.failed", "failed", "30001")
    assert_no_personal_data(session)


def test_it_tells_of_a_carrier_opt_out(session, settings, clock):
    borrower_of(session, loan={"days_past_due": 3})
    provider = FakeChannels({"sms": [ChannelError("unsubscribed", permanent=True, code="21610")]})
    plan_reminders(session, clock.now())
    dispatch(session, settings, clock.now(), channels=provider)
    kinds = [(k, d.get("via") or d.get("error_code")) for k, _s, d in emitted(session)]
    assert kinds == [("message.failed", "21610"), ("contact.opted_out", "carrier")]
    assert_no_personal_data(session)


def test_it_tells_of_a_handoff_opened_and_closed(session):
    borrower = borrower_of(session)
    conv = conversation(session, borrower, channel="web")
    case = open_case(session, conv, "hardship", {"intent": "hardship"})
    assert handoffs.close_case(session, case, officer_id=4, now=case.opened_at)
    assert not handoffs.close_case(session, case, officer_id=4, now=case.opened_at)
    session.commit()
    (opened, _, data), (closed, _, closed_data) = emitted(session)
    assert (opened, closed) == ("handoff.opened", "handoff.closed")
    assert data == {
        "case_id": case.id,
        "reason": "hardship",
        "priority": 1,
        "channel": "web",
        "borrower_external_id": borrower.external_id,
    }
    assert closed_data["case_id"] == case.id


def test_it_tells_of_delivered_and_failed_messages_from_twilios_callbacks(
    client, session, settings, clock
):
    for n in range(2):
        borrower_of(session, phone=f"+1312555010{n}", loan={"days_past_due": 3})
    plan_reminders(session, clock.now())
    dispatch(session, settings, clock.now(), channels=FakeChannels())
    assert types(session) == []  # handed to the provider is not delivered
    first, second = session.scalars(select(Message).order_by(Message.id)).all()
    reports = [(first, "delivered", ""), (first, "delivered", ""), (second, "failed", "30003")]
    for msg, status, code in reports:
        resp = signed_post(
            client,
            "/webhooks/twilio/status",
            {"MessageSid": msg.provider_sid, "MessageStatus": status, "ErrorCode": code},
            token=settings.sandbox_auth_token,
            base_url=PUBLIC_BASE_URL,
        )
        assert resp.status_code == 204
    (delivered, _, data), (failed, _, failed_data) = emitted(session)  # a replay adds nothing
    assert (delivered, failed) == ("message.delivered", "message.failed")
    assert (data["message_id"], data["channel"], data["status"]) == (first.id, "sms", "delivered")
    assert data["loan_number"] == session.get(Loan, first.loan_id).loan_number
    assert failed_data["error_code"] == "30003"
    assert_no_personal_data(session)
