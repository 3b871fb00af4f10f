"""Handing a conversation back to the bot when Rasa does not take it at once (security finding
6): the borrower is answered meanwhile, the queue shows the problem, the resume is retried
until Rasa confirms. Rasa is the stand-in server of tests/support/fake_rasa.py, which answers
a paused conversation as Rasa does: with nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

import scheduler as scheduler_module
from outreach.conversations.notices import NOTICES
from outreach.conversations.rasa_client import RasaClient
from outreach.conversations.resume import retry_pending_resumes
from outreach.models import AuditEvent, BotTurn, Conversation
from outreach.selfservice import open_handoff
from outreach.settings import Settings
from tests.conftest import make_settings
from tests.support.factories import make_borrower
from tests.support.fake_rasa import FakeRasa
from tests.support.officers import login, make_officer
from tests.support.sms import text_in

NUMBER = "+13125550100"

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def settings(database_url: str, fake_rasa: FakeRasa) -> Settings:
    return make_settings(database_url, RASA_URL=fake_rasa.url)


def handed_off(session, settings: Settings, fake_rasa: FakeRasa) -> Conversation:
    """A conversation the bot handed to the officers: a case, and the tracker paused in Rasa."""
    borrower = make_borrower(session)
    conv = Conversation(channel="sms", address=NUMBER, borrower_id=borrower.id)
    session.add(conv)
    session.commit()
    open_handoff(conv.public_id, "requested", {"intents": ["request_human"]}, settings=settings)
    fake_rasa.paused.add(conv.public_id)
    session.refresh(conv)  # the officers own it now
    return conv


def close_case(client, session) -> str:
    login(client, make_officer(session))
    case_id = session.scalar(select(Conversation)).id  # one conversation, one case: same ids
    return client.post(f"/console/cases/{case_id}/close", follow_redirects=True).get_data(
        as_text=True
    )


def test_it_answers_and_keeps_retrying_when_rasa_does_not_resume_at_close(
    client, session, settings, fake_rasa, clock
) -> None:
    conv = handed_off(session, settings, fake_rasa)
    fake_rasa.resume_status = 503
    page = close_case(client, session)
    assert "the bot could not be resumed right now" in page
    session.expire_all()
    assert (conv.owner, conv.resume_pending_since) == ("bot", clock.now())
    queue = client.get("/console/").get_data(as_text=True)
    assert "bot not resumed since 16:00 UTC" in queue and "Ana Garcia (sms)" in queue

    # Rasa still cannot resume it: the borrower is told, instead of silence from a paused bot.
    clock.advance(minutes=3)
    assert text_in(client, settings, "hello?") == [NOTICES["unavailable"]["en"]]
    assert session.scalar(select(BotTurn)).error == "resume_pending"
    assert fake_rasa.turns == []  # nothing sent to the paused tracker
    assert len(fake_rasa.resumes) == 2  # at close, and again for the message

    # Rasa is back: the scheduler's job hands the conversation over.
    fake_rasa.resume_status = 200
    assert "resume" in scheduler_module.JOBS
    scheduler_module.JOBS["resume"](settings, clock.now())
    session.expire_all()
    assert conv.resume_pending_since is None
    assert session.scalar(select(AuditEvent.id).where(AuditEvent.action == "bot.resumed"))
    assert "bot not resumed" not in client.get("/console/").get_data(as_text=True)
    assert text_in(client, settings, "hello") == ["Hi!"]


def test_it_resumes_at_the_next_message_when_rasa_is_back(
    client, session, settings, fake_rasa
) -> None:
    handed_off(session, settings, fake_rasa)
    fake_rasa.resume_status = 503
    close_case(client, session)
    fake_rasa.resume_status = 200
    assert text_in(client, settings, "hello") == ["Hi!"]  # resumed first, then answered
    session.expire_all()
    assert session.scalar(select(Conversation)).resume_pending_since is None


def test_it_resumes_a_bot_found_paused_on_a_conversation_it_owns(
    client, session, settings, fake_rasa
) -> None:
    """However Rasa and the database came to disagree, the borrower is not left in silence."""
    conv = handed_off(session, settings, fake_rasa)
    conv.owner = "bot"  # e.g. the resume was lost: nothing marks it pending
    session.commit()
    assert text_in(client, settings, "hello") == ["Hi!"]
    assert fake_rasa.resumes == [conv.public_id]


def test_it_stops_retrying_at_the_first_failure_until_the_next_run(
    session, settings, fake_rasa, clock
) -> None:
    for number in ("+13125550101", "+13125550102"):
        session.add(Conversation(channel="sms", address=number, resume_pending_since=clock.now()))
    session.commit()
    fake_rasa.resume_status = 503
    rasa = RasaClient.from_settings(settings)
    assert retry_pending_resumes(session, rasa) == (0, 2)
    assert len(fake_rasa.resumes) == 1  # Rasa is down: no queue of timeouts
    fake_rasa.resume_status = 200
    assert retry_pending_resumes(session, rasa) == (2, 0)


def test_it_marks_and_answers_a_paused_bot_it_cannot_resume(
    client, session, settings, fake_rasa, clock
) -> None:
    conv = handed_off(session, settings, fake_rasa)
    conv.owner = "bot"
    session.commit()
    fake_rasa.resume_status = 503
    assert text_in(client, settings, "hello") == [NOTICES["unavailable"]["en"]]
    session.expire_all()
    assert conv.resume_pending_since == clock.now()  # now the scheduler and the queue see it
    assert session.scalar(select(BotTurn)).error == "resume_pending"
