"""Account effects asked for in a web chat that has not passed the identity check (security
finding 9): recorded as requests for an officer, never applied. Phone channels keep their own
rules (a STOP from the phone itself; a claimed dispute pauses outreach)."""

from __future__ import annotations

from sqlalchemy import select

from outreach import selfservice
from outreach.conversations.inbound import open_conversation
from outreach.messaging.links import make_token
from outreach.models import AuditEvent, BorrowerFlag, ContactPoint, Conversation
from outreach.selfservice import AccountEffect
from tests.support.factories import make_borrower


def linked_chat(client, session, settings, borrower) -> Conversation:
    client.post("/chat/api/session", json={"link": make_token(settings, borrower.id)})
    return session.scalar(select(Conversation).order_by(Conversation.id.desc()).limit(1))


def typed_chat(client, session, number: str) -> Conversation:
    key = client.post("/chat/api/session", json={}).get_json()["key"]
    client.post("/chat/api/identify", json={"loan_number": number}, headers={"X-Chat-Key": key})
    return session.scalar(select(Conversation).order_by(Conversation.id.desc()).limit(1))


def events(session, action: str) -> list[dict]:
    return list(session.scalars(select(AuditEvent.details).where(AuditEvent.action == action)))


def test_it_records_an_unverified_web_opt_out_as_a_request(client, session, settings):
    borrower = make_borrower(session, whatsapp=True)
    for conv in (
        linked_chat(client, session, settings, borrower),
        typed_chat(client, session, borrower.loans[0].loan_number),
    ):
        assert selfservice.opt_out(conv.public_id, settings) == AccountEffect.REFERRED
    session.expire_all()
    assert all(p.opted_out_at is None for p in session.scalars(select(ContactPoint)))
    assert events(session, "consent.opt_out") == []
    requested = events(session, "consent.opt_out_requested")
    assert [(d["verified"], d["applied"], d["channel"]) for d in requested] == [
        (False, False, "web"),
        (False, False, "web"),
    ]


def test_it_records_an_unverified_web_dispute_as_a_request(client, session, settings):
    borrower = make_borrower(session)
    conv = typed_chat(client, session, borrower.loans[0].loan_number)
    effect = selfservice.flag_account(conv.public_id, "dispute_open", settings)
    assert effect == AccountEffect.REFERRED
    assert session.scalar(select(BorrowerFlag)) is None  # outreach is not paused
    [requested] = events(session, "flag.requested")
    assert requested == {
        "flag": "dispute_open",
        "channel": "web",
        "verified": False,
        "applied": False,
    }


def test_it_applies_what_a_verified_web_borrower_asks_for(client, session, settings):
    borrower = make_borrower(session)
    conv = linked_chat(client, session, settings, borrower)
    selfservice.submit_factor(conv.public_id, "date_of_birth", "14/03/1985", settings)
    assert selfservice.submit_factor(conv.public_id, "loan_last4", "1234", settings).verified
    assert selfservice.opt_out(conv.public_id, settings) == AccountEffect.APPLIED
    assert selfservice.flag_account(conv.public_id, "dispute_open", settings) == (
        AccountEffect.APPLIED
    )
    session.expire_all()
    assert all(p.opted_out_at is not None for p in session.scalars(select(ContactPoint)))
    assert [d["verified"] for d in events(session, "consent.opt_out")] == [True]
    assert [d["verified"] for d in events(session, "flag.set")] == [True]


def test_it_keeps_the_phone_rules_on_sms(session, settings):
    make_borrower(session)
    conv = open_conversation(session, "sms", "+13125550100")
    session.commit()
    assert selfservice.flag_account(conv.public_id, "dispute_open", settings) == (
        AccountEffect.APPLIED
    )
    assert selfservice.opt_out(conv.public_id, settings) == AccountEffect.APPLIED
    assert [d["verified"] for d in events(session, "flag.set")] == [False]
