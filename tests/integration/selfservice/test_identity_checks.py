"""The identity check across conversations (security findings 1 and 2): one value per answer,
failures counted per borrower and per typed loan number with lock-outs released by the clock or
an officer, the loan-number visitor asked a factor they did not type, verifications that expire.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from outreach import selfservice
from outreach.conversations.inbound import open_conversation
from outreach.messaging.links import make_token
from outreach.models import AuditEvent, Conversation, IdentityCheck, Message
from outreach.selfservice import PlanRequest
from tests.support.factories import make_borrower
from tests.support.officers import login, make_officer

NUMBER = "+13125550100"
pytestmark = pytest.mark.usefixtures("clock")  # the app's clock stands still unless moved


def web_chat(client, session, address: str = "127.0.0.1", **body) -> tuple[str, Conversation]:
    """A new widget session (what a fresh browser tab or a cleared key gets)."""
    resp = client.post("/chat/api/session", json=body, environ_base={"REMOTE_ADDR": address})
    assert resp.status_code == 201
    conv = session.scalar(select(Conversation).order_by(Conversation.id.desc()).limit(1))
    return resp.get_json()["key"], conv


def identified_chat(client, session, loan_number: str, address: str = "127.0.0.1") -> Conversation:
    key, conv = web_chat(client, session, address)
    resp = client.post(
        "/chat/api/identify",
        json={"loan_number": loan_number},
        headers={"X-Chat-Key": key},
        environ_base={"REMOTE_ADDR": address},
    )
    assert resp.get_json() == {"ok": True}
    session.refresh(conv)
    return conv


def answer(settings, conv, *pairs: tuple[str, str]) -> selfservice.VerifyResult:
    result = None
    for factor, text in pairs:
        result = selfservice.submit_factor(conv.public_id, factor, text, settings)
    return result


RIGHT = (("date_of_birth", "14/03/1985"), ("loan_last4", "1234"))
WRONG = (("date_of_birth", "01/01/1990"), ("loan_last4", "1234"))
EVERY_DAY_OF_1985 = " ".join(
    (date(1985, 1, 1) + timedelta(days=n)).strftime("%d/%m/%Y") for n in range(365)
)


def test_it_refuses_a_message_holding_every_date_of_a_year_as_one_answer(settings, session):
    make_borrower(session)
    conv = open_conversation(session, "sms", NUMBER)
    session.commit()
    many = selfservice.submit_factor(conv.public_id, "date_of_birth", EVERY_DAY_OF_1985, settings)
    assert (many.verified, many.pending, many.several) == (False, False, True)
    # Nothing was given: the last four digits alone decide nothing, and no attempt was spent.
    last4 = selfservice.submit_factor(conv.public_id, "loan_last4", "1234", settings)
    assert not last4.verified and last4.pending
    assert session.scalar(select(func.count(IdentityCheck.id))) == 0
    assert answer(settings, conv, ("date_of_birth", "14/03/1985")).verified  # one date: read


def test_it_reads_an_ambiguous_date_in_the_borrowers_convention_only(settings, session):
    make_borrower(session, date_of_birth=date(1985, 4, 3))  # a US borrower: month first
    conv = open_conversation(session, "sms", NUMBER)
    session.commit()
    assert not answer(
        settings, conv, ("date_of_birth", "03/04/1985"), ("loan_last4", "1234")
    ).verified
    assert answer(settings, conv, ("date_of_birth", "04/03/1985"), ("loan_last4", "1234")).verified


def test_it_counts_failures_per_borrower_across_conversations_and_channels(
    client, settings, session
):
    borrower = make_borrower(session)
    link = make_token(settings, borrower.id)
    _, web = web_chat(client, session, link=link)
    assert answer(settings, web, *WRONG).attempts_left == 2
    _, web_again = web_chat(client, session, link=link)  # a new session does not reset it
    assert answer(settings, web_again, *WRONG).attempts_left == 1
    sms = open_conversation(session, "sms", NUMBER)
    session.commit()
    locked = answer(settings, sms, *WRONG)
    assert locked.locked and locked.locked_minutes == 30
    # Locked everywhere, right answers included, in conversations that never failed.
    _, fresh = web_chat(client, session, link=link)
    assert answer(settings, fresh, *RIGHT).locked
    assert selfservice.balance_for(fresh.public_id, settings) is None
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "identity.locked"))


def test_it_locks_a_typed_loan_number_the_same_whether_or_not_it_exists(client, settings, session):
    borrower = make_borrower(session)
    outcomes = {}
    for number in (borrower.loans[0].loan_number, "LN0000000099999"):
        results = []
        # One chat session per attempt, each from another address: neither resets the count.
        for n in range(4):
            conv = identified_chat(client, session, number, f"198.51.100.{n + 1}")
            results.append(
                answer(settings, conv, ("date_of_birth", "01/01/1990"), ("postal_code", "99999"))
            )
        outcomes[number] = [(r.verified, r.locked, r.attempts_left) for r in results]
    known, unknown = outcomes.values()
    assert known == unknown
    assert known == [
        (False, False, 2),
        (False, False, 1),
        (False, True, 0),
        (False, True, 0),
    ]


def test_it_never_accepts_the_last_four_digits_a_visitor_just_typed(client, settings, session):
    borrower = make_borrower(session)
    conv = identified_chat(client, session, borrower.loans[0].loan_number)
    assert selfservice.verification_factors(conv.public_id, settings) == [
        "date_of_birth",
        "postal_code",
    ]
    typed = answer(settings, conv, ("date_of_birth", "14/03/1985"), ("loan_last4", "1234"))
    assert not typed.verified and not typed.understood  # not a factor of this conversation
    assert answer(settings, conv, ("postal_code", "60601")).verified
    assert selfservice.balance_for(conv.public_id, settings) is not None


def test_it_opens_the_check_again_when_the_lock_out_ends_and_doubles_the_next(
    client, settings, session, clock
):
    make_borrower(session)
    sms = open_conversation(session, "sms", NUMBER)
    session.commit()
    for _ in range(3):
        result = answer(settings, sms, *WRONG)
    assert result.locked and result.locked_minutes == 30
    clock.advance(minutes=29)
    assert answer(settings, sms, *RIGHT).locked
    clock.advance(minutes=2)
    assert answer(settings, sms, *WRONG).attempts_left == 2  # a fresh set of attempts
    answer(settings, sms, *WRONG)
    second = answer(settings, sms, *WRONG)
    assert second.locked and second.locked_minutes == 60  # the second lock-out in a day
    clock.advance(minutes=61)
    assert answer(settings, sms, *RIGHT).verified


def test_it_shows_the_lock_out_to_the_officer_who_releases_it(app, client, settings, session):
    make_borrower(session)
    sms = open_conversation(session, "sms", NUMBER)
    session.commit()
    for _ in range(3):
        answer(settings, sms, *WRONG)
    case_id = selfservice.open_handoff(sms.public_id, "verification_failed", {}, settings)
    officer = make_officer(session)
    login(client, officer)
    client.post(f"/console/cases/{case_id}/claim")
    page = client.get(f"/console/cases/{case_id}").get_data(as_text=True)
    # 16:00 UTC on the test clock is 10:00 in the lender's zone; locked 30 minutes.
    assert "Identity check locked until 10:30 (America/Chicago)" in page
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/console/cases/{case_id}/identity-release").status_code == 400
    app.config["WTF_CSRF_ENABLED"] = False
    resp = client.post(f"/console/cases/{case_id}/identity-release", follow_redirects=True)
    assert "Identity check released" in resp.get_data(as_text=True)
    assert "Identity check locked" not in resp.get_data(as_text=True)
    released = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "identity.lock_released")
    )
    assert released.actor == f"officer:{officer.id}"
    assert answer(settings, sms, *RIGHT).verified


def test_it_lets_only_the_officer_holding_the_case_release_the_lock(client, settings, session):
    make_borrower(session)
    sms = open_conversation(session, "sms", NUMBER)
    session.commit()
    for _ in range(3):
        answer(settings, sms, *WRONG)
    case_id = selfservice.open_handoff(sms.public_id, "verification_failed", {}, settings)
    login(client, make_officer(session))
    resp = client.post(f"/console/cases/{case_id}/identity-release", follow_redirects=True)
    assert "claim the case first" in resp.get_data(as_text=True)
    assert answer(settings, sms, *RIGHT).locked


def test_it_checks_the_value_again_in_a_conversation_verified_before(settings, session):
    # Finding 2: after a Rasa restart a wrong date got the balance.
    make_borrower(session)
    sms = open_conversation(session, "sms", NUMBER)
    session.commit()
    assert answer(settings, sms, *RIGHT).verified
    wrong = selfservice.submit_factor(sms.public_id, "date_of_birth", "01/01/1990", settings)
    assert not wrong.verified
    assert not answer(settings, sms, ("loan_last4", "1234")).verified
    assert selfservice.balance_for(sms.public_id, settings) is None


def borrower_writes(session, conv, text: str = "ok") -> None:
    session.add(
        Message(
            conversation_id=conv.id,
            borrower_id=conv.borrower_id,
            direction="in",
            channel=conv.channel,
            address=conv.address,
            sender="borrower",
            body=text,
            status="received",
        )
    )
    session.commit()


def test_it_ends_a_verification_after_idle_minutes(settings, session, clock):
    make_borrower(session)
    sms = open_conversation(session, "sms", NUMBER)
    session.commit()
    answer(settings, sms, *RIGHT)
    for _ in range(3):  # the borrower keeps writing: 40 minutes, never 15 idle
        clock.advance(minutes=10)
        borrower_writes(session, sms)
    clock.advance(minutes=10)
    assert selfservice.balance_for(sms.public_id, settings) is not None
    clock.advance(minutes=6)  # 16 minutes since the borrower last wrote
    assert selfservice.balance_for(sms.public_id, settings) is None
    borrower_writes(session, sms, "what's my balance")  # coming back does not revive it
    assert selfservice.balance_for(sms.public_id, settings) is None
    start = (clock.now() + timedelta(days=3)).date().isoformat()
    assert (
        selfservice.quote_plan(
            sms.public_id, PlanRequest("100", 5, "monthly", start), settings=settings
        )
        is None
    )


def test_it_starts_a_new_unverified_conversation_after_a_quiet_day_on_sms(settings, session, clock):
    make_borrower(session)
    first = open_conversation(session, "sms", NUMBER)
    session.commit()
    answer(settings, first, *RIGHT)
    clock.advance(hours=23)
    assert open_conversation(session, "sms", NUMBER).id == first.id
    clock.advance(hours=2)
    second = open_conversation(session, "sms", NUMBER)
    session.commit()
    # The next holder of the phone gets a new Rasa sender id and is asked again.
    assert second.id != first.id and second.public_id != first.public_id
    assert second.identity_verified_at is None
    session.refresh(first)
    assert first.status == "closed"
    assert selfservice.balance_for(first.public_id, settings) is None
    closed = session.scalar(select(AuditEvent).where(AuditEvent.action == "conversation.closed"))
    assert closed.details == {"reason": "idle", "idle_hours": 24}


def test_it_keeps_an_officers_conversation_open_however_quiet(settings, session, clock):
    make_borrower(session)
    conv = open_conversation(session, "sms", NUMBER)
    session.commit()
    selfservice.open_handoff(conv.public_id, "requested", {}, settings)
    session.expire_all()
    clock.advance(hours=48)
    assert open_conversation(session, "sms", NUMBER).id == conv.id
