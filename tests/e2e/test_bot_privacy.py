"""The identity check against the real Rasa and action servers (security findings 1, 9, 14):
answers stay out of Rasa's tracker, the token stays off Rasa's command line, a visitor who typed
the loan number is asked the postal code, unverified web requests go to an officer, and a lock
an officer releases lets the same conversation check again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from outreach.messaging.links import make_token
from outreach.models import (
    AuditEvent,
    BorrowerFlag,
    ContactPoint,
    Conversation,
    HandoffCase,
    Message,
)
from tests.e2e.test_sms_bot import Phone
from tests.support import servers
from tests.support.factories import make_borrower
from tests.support.officers import login, make_officer

pytestmark = pytest.mark.rasa
NUMBER = "+13125550100"


class Chat:
    """A widget visitor talking through the chat API."""

    def __init__(self, client, session, link: str = "") -> None:
        self.client, self.session = client, session
        self.key = client.post("/chat/api/session", json={"link": link}).get_json()["key"]

    def identify(self, number: str) -> None:
        resp = self.client.post(
            "/chat/api/identify", json={"loan_number": number}, headers={"X-Chat-Key": self.key}
        )
        assert resp.get_json() == {"ok": True}

    def say(self, text: str) -> str:
        resp = self.client.post(
            "/chat/api/messages", json={"text": text}, headers={"X-Chat-Key": self.key}
        )
        assert resp.status_code == 201
        messages = resp.get_json()["messages"]
        last_in = max(i for i, m in enumerate(messages) if m["direction"] == "in")
        return " ".join(m["body"] for m in messages[last_in + 1 :])


def tracker(settings, session, address: str) -> dict:
    conv_id = session.scalar(
        select(Message.conversation_id).where(Message.address == address).limit(1)
    )
    public_id = session.get(Conversation, conv_id).public_id
    resp = requests.get(
        f"{settings.rasa_url}/conversations/{public_id}/tracker",
        params={"token": settings.rasa_token},
        timeout=20,
    )
    resp.raise_for_status()
    return resp.json()


def test_it_keeps_identity_answers_out_of_rasas_tracker(bot_app, bot_settings, bot_session):
    make_borrower(bot_session)
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, NUMBER)
    phone.say("what's my balance")
    phone.say("14/03/1985")
    assert "$3,210.55" in " ".join(phone.say("1234"))
    state = tracker(bot_settings, bot_session, NUMBER)
    typed = [e.get("text") or "" for e in state["events"] if e["event"] == "user"]
    assert typed == ["what's my balance", "/provide_date", "/inform"]
    raw = json.dumps(state)
    assert "14/03/1985" not in raw and "1985-03-14" not in raw
    assert state["slots"]["date_of_birth"] == "provided"
    assert state["slots"]["loan_last4"] == "provided"
    slot_values = [e.get("value") for e in state["events"] if e["event"] == "slot"]
    assert "1234" not in slot_values and "14/03/1985" not in slot_values


def test_it_keeps_the_rasa_token_off_rasas_command_line(bot_settings):
    rasa = servers.RUNNING["rasa"]
    cmdline = Path(f"/proc/{rasa.pid}/cmdline").read_bytes().decode()
    assert bot_settings.rasa_token not in cmdline and "--auth-token" not in cmdline
    status = f"{bot_settings.rasa_url}/status"
    assert requests.get(status, timeout=20).status_code == 401
    assert requests.get(status, params={"token": "guess"}, timeout=20).status_code == 401
    assert requests.get(status, params={"token": bot_settings.rasa_token}, timeout=20).ok


def test_it_asks_a_visitor_who_typed_the_loan_number_for_the_postal_code(
    bot_app, bot_session, bot_settings
):
    borrower = make_borrower(bot_session)
    number = borrower.loans[0].loan_number
    chat = Chat(bot_app.test_client(), bot_session)
    chat.identify(number)
    assert "date of birth" in chat.say("what's my balance")
    asked = chat.say("14/03/1985")
    assert "postal code" in asked and "last 4" not in asked
    assert "couldn't read a postal code" in chat.say("12")
    assert "$3,210.55" in chat.say("60601")
    state = tracker(bot_settings, bot_session, bot_session.scalar(select(Message.address)))
    raw = json.dumps(state)
    assert number not in raw and "60601" not in raw


def test_it_hands_an_unverified_web_dispute_and_opt_out_to_an_officer(
    bot_app, bot_session, bot_settings
):
    borrower = make_borrower(bot_session)
    link = make_token(bot_settings, borrower.id)
    dispute = Chat(bot_app.test_client(), bot_session, link).say("this isn't my debt")
    assert "passing this to a person" in dispute and "paused" not in dispute
    chat = Chat(bot_app.test_client(), bot_session, link)
    assert "Reply YES to confirm" in chat.say("stop texting me")  # asked first (issue 16)
    opt_out = chat.say("yes")
    assert "will confirm with you" in opt_out
    assert bot_session.scalar(select(BorrowerFlag)) is None
    assert all(p.opted_out_at is None for p in bot_session.scalars(select(ContactPoint)))
    cases = bot_session.scalars(select(HandoffCase).order_by(HandoffCase.id)).all()
    assert [(c.reason, c.priority, c.summary["request"]["kind"]) for c in cases] == [
        ("dispute", 1, "flag"),
        ("opt_out_request", 1, "opt_out"),
    ]
    requested = bot_session.scalars(
        select(AuditEvent.details).where(
            AuditEvent.action.in_(("flag.requested", "consent.opt_out_requested"))
        )
    ).all()
    assert [d["verified"] for d in requested] == [False, False]


def test_it_checks_again_in_the_same_conversation_once_an_officer_releases_the_lock(
    bot_app, bot_session, bot_settings
):
    make_borrower(bot_session)
    phone = Phone(bot_app.test_client(), bot_settings, bot_session, NUMBER)
    replies = phone.say("balance please")
    for wrong in ("01/01/1990", "1970-05-05", "2 February 1966"):
        replies += phone.say(wrong) + phone.say("1234")
    assert "locked for 30 minute(s)" in " ".join(replies)
    case = bot_session.scalar(select(HandoffCase))
    officer = bot_app.test_client()
    login(officer, make_officer(bot_session))
    officer.post(f"/console/cases/{case.id}/claim")
    officer.post(f"/console/cases/{case.id}/identity-release")
    officer.post(f"/console/cases/{case.id}/close")
    assert "date of birth" in " ".join(phone.say("what's my balance"))
    phone.say("14/03/1985")
    assert "$3,210.55" in " ".join(phone.say("1234"))
