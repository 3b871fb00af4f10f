"""The Rasa client's bounds: a hung Rasa holds at most RASA_MAX_CONCURRENT web threads, for at
most RASA_TIMEOUT_SECONDS each; other borrowers hear "busy" at once and the console answers."""

from __future__ import annotations

import itertools
import logging
from concurrent.futures import ThreadPoolExecutor, as_completed

import pytest
from sqlalchemy import select

from outreach.conversations.notices import NOTICES
from outreach.conversations.rasa_client import RasaBusy, RasaClient, RasaUnavailable
from outreach.models import BotTurn, Message
from outreach.settings import Settings
from tests.conftest import PUBLIC_BASE_URL, make_settings
from tests.support.fake_rasa import FakeRasa
from tests.support.twilio_signing import signed_post

# Procfile: gunicorn --threads 4. A pool of that size stands in for one web worker's threads.
WEB_THREADS = 4
MAX_CONCURRENT = 2
_sids = itertools.count(1)


@pytest.fixture
def settings(database_url: str, fake_rasa: FakeRasa) -> Settings:
    return make_settings(
        database_url, RASA_URL=fake_rasa.url, RASA_MAX_CONCURRENT=str(MAX_CONCURRENT)
    )


def text_in(app, settings: Settings, number: str, body: str) -> int:
    """One signed SMS webhook on a fresh test client (one per web thread)."""
    resp = signed_post(
        app.test_client(),
        "/webhooks/twilio/sms",
        {"MessageSid": f"SM{next(_sids):032d}", "From": number, "To": "+15005550006", "Body": body},
        token=settings.sandbox_auth_token,
        base_url=PUBLIC_BASE_URL,
    )
    return resp.status_code


def test_it_keeps_the_console_answering_while_rasa_hangs(
    app, settings, session, fake_rasa, caplog
) -> None:
    caplog.set_level(logging.WARNING, logger="outreach.conversations.rasa_client")
    fake_rasa.hang = True
    numbers = [f"+1312555{100 + i:04d}" for i in range(WEB_THREADS)]
    with ThreadPoolExecutor(max_workers=WEB_THREADS) as web:
        turns = [web.submit(text_in, app, settings, n, "what's my balance") for n in numbers]
        assert fake_rasa.wait_in_flight(MAX_CONCURRENT)
        # The borrowers beyond the limit are answered at once, freeing their threads...
        answered = [f.result() for f in itertools.islice(as_completed(turns, timeout=10), 2)]
        assert answered == [200, 200]
        # ...so a sign-in page still gets a thread while Rasa holds the others.
        login = web.submit(app.test_client().get, "/login")
        assert login.result(timeout=10).status_code == 200
        assert fake_rasa.in_flight == MAX_CONCURRENT  # never more calls than the limit
        fake_rasa.release()
        assert [f.result(timeout=10) for f in turns] == [200] * WEB_THREADS

    session.expire_all()
    busy = session.scalars(select(BotTurn).where(BotTurn.error == "rasa_busy")).all()
    assert len(busy) == WEB_THREADS - MAX_CONCURRENT
    bodies = session.scalars(
        select(Message.body).where(Message.id.in_([i for t in busy for i in t.reply_ids]))
    ).all()
    assert bodies == [NOTICES["busy"]["en"]] * len(busy)
    assert "Rasa busy" in caplog.text  # the refusal is logged (without the borrower's number)
    assert not any(n in caplog.text for n in numbers)


def test_it_makes_no_call_to_rasa_without_a_free_slot(settings, fake_rasa) -> None:
    rasa = RasaClient.from_settings(settings)
    slots = rasa._slots[0]  # one server: its slots
    for _ in range(MAX_CONCURRENT):
        slots.acquire()
    try:
        with pytest.raises(RasaBusy):
            rasa.post_turn("c1", "hola")
    finally:
        for _ in range(MAX_CONCURRENT):
            slots.release()
    assert fake_rasa.turns == []
    assert rasa.post_turn("c1", "hola") == fake_rasa.replies


def test_it_gives_up_on_a_hung_rasa_after_the_timeout(database_url, fake_rasa) -> None:
    fake_rasa.hang = True
    quick = RasaClient.from_settings(
        make_settings(database_url, RASA_URL=fake_rasa.url, RASA_TIMEOUT_SECONDS="0.2")
    )
    with pytest.raises(RasaUnavailable) as raised:
        quick.post_turn("c1", "hello")
    assert raised.value.args == ("ReadTimeout",)  # never requests' text, which quotes the URL
    fake_rasa.resume_status = 500
    with pytest.raises(RasaUnavailable) as raised:
        quick.resume("c1")
    assert raised.value.args == ("HTTP 500",)  # the API token in the URL stays out of logs
    with pytest.raises(RasaUnavailable) as raised:
        quick.set_slots("c1", {"identity_verified": False})
    assert raised.value.args == ("HTTP 500",)  # the slot call is redacted the same way


def test_it_sends_every_call_of_a_conversation_to_its_own_rasa_server(database_url) -> None:
    with FakeRasa() as first, FakeRasa() as second:
        settings = make_settings(database_url, RASA_URLS=f"{first.url},{second.url}")
        rasa = RasaClient.from_settings(settings)
        ids = [f"{n:032x}" for n in range(12)]
        for conversation_id in ids:
            rasa.post_turn(conversation_id, "hello")
            rasa.resume(conversation_id)
            rasa.set_slots(conversation_id, {"identity_verified": False})
        on_first = {t["sender"] for t in first.turns}
        on_second = {t["sender"] for t in second.turns}
        assert on_first and on_second  # both servers work...
        assert on_first.isdisjoint(on_second)  # ...and no conversation reached both
        assert on_first | on_second == set(ids)
        # Resume and slot calls follow their conversation's turns.
        assert set(first.resumes) == on_first and set(second.resumes) == on_second
        assert {rasa.url_for(i) for i in on_first} == {first.url}
