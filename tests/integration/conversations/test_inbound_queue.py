"""The inbound queue: Twilio's webhook is answered at once, the inbound worker runs the turn.

At least once, in order per conversation, one answer per message, even when a worker is killed
mid-turn (its hold runs out and another worker takes the job over). Rasa is the stand-in server
of tests/support/fake_rasa.py; the worker's clock for holds is passed in (``now_unix``).
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from outreach import clock
from outreach.conversations.inbound import route_inbound
from outreach.conversations.inbound_queue import claim_next, depth_by_status
from outreach.conversations.inbound_worker import work_once
from outreach.models import InboundJob, Message
from outreach.settings import Settings
from tests.conftest import PUBLIC_BASE_URL, make_settings
from tests.support.factories import make_borrower
from tests.support.fake_rasa import FakeRasa, turn_summary
from tests.support.sms import NUMBER
from tests.support.twilio_signing import signed_post

LEASE = 60


@pytest.fixture
def settings(database_url: str, fake_rasa: FakeRasa) -> Settings:
    return make_settings(database_url, RASA_URL=fake_rasa.url, INBOUND_TURNS="worker")


@pytest.fixture
def echo(fake_rasa: FakeRasa) -> FakeRasa:
    """Rasa answers each message with its own words, so the order of answers shows."""
    fake_rasa.replies = lambda body: [{"text": f"re: {body['message']}"}, turn_summary()]
    return fake_rasa


def post(client, settings: Settings, sid: str, body: str):
    form = {"MessageSid": sid, "From": NUMBER, "To": "+15005550006", "Body": body}
    return signed_post(
        client,
        "/webhooks/twilio/sms",
        form,
        token=settings.sandbox_auth_token,
        base_url=PUBLIC_BASE_URL,
    )


def answers(session) -> list[str]:
    session.expire_all()
    return list(
        session.scalars(select(Message.body).where(Message.direction == "out").order_by(Message.id))
    )


def work(app, now_unix: float | None = None) -> bool:
    ext = app.extensions
    return work_once(ext["settings"], ext["rasa"], ext["channels"], now_unix)


def drain(app) -> int:
    done = 0
    while work(app):
        done += 1
    return done


def test_it_answers_twilio_at_once_while_rasa_hangs_and_the_worker_answers_later(
    app, client, session, settings, fake_rasa
) -> None:
    make_borrower(session)
    fake_rasa.hang = True  # Rasa takes as long as the test wants
    resp = post(client, settings, "SM" + "1" * 32, "hello")
    assert resp.status_code == 200 and b"<Response></Response>" in resp.data
    assert fake_rasa.turns == []  # the request never asked Rasa
    assert depth_by_status(session) == {"pending": 1, "done": 0, "failed": 0}

    worker = threading.Thread(target=work, args=(app,))
    worker.start()
    assert fake_rasa.wait_in_flight(1)  # the worker's turn is stuck in Rasa...
    again = post(client, settings, "SM" + "2" * 32, "are you there?")
    assert again.status_code == 200  # ...and the next webhook is still answered at once
    fake_rasa.hang = False
    fake_rasa.release()
    worker.join(timeout=30)
    assert drain(app) == 1
    assert depth_by_status(session) == {"pending": 0, "done": 2, "failed": 0}
    assert [t["message"] for t in fake_rasa.turns] == ["hello", "are you there?"]


def test_it_answers_each_message_once_and_in_the_order_it_came(
    app, client, session, settings, echo
) -> None:
    make_borrower(session)
    for n, body in enumerate(["one", "two", "three"]):
        assert post(client, settings, f"SM{n:032d}", body).status_code == 200
    assert post(client, settings, f"SM{1:032d}", "two").status_code == 200  # Twilio retried
    assert drain(app) == 3
    assert answers(session) == ["re: one", "re: two", "re: three"]


def test_a_conversations_next_message_waits_while_its_previous_one_is_held(
    app, client, session, settings, echo
) -> None:
    make_borrower(session)
    post(client, settings, "SM" + "a" * 32, "first")
    post(client, settings, "SM" + "b" * 32, "second")
    now = clock.unix_seconds()
    held = claim_next(session, LEASE, now)
    assert held is not None
    # Another worker finds nothing to take: "second" must not overtake "first".
    assert claim_next(session, LEASE, now + 1) is None
    assert not work(app, now + 1)


def test_a_worker_killed_before_rasa_answered_leaves_the_turn_to_another(
    app, client, session, settings, echo
) -> None:
    make_borrower(session)
    post(client, settings, "SM" + "c" * 32, "balance")
    now = clock.unix_seconds()
    assert claim_next(session, LEASE, now) is not None  # ...and the worker is killed (-9) here
    assert not work(app, now + LEASE - 1)  # its hold still stands
    assert work(app, now + LEASE + 1)  # it ran out: another worker takes the job over
    assert answers(session) == ["re: balance"]
    job = session.scalar(select(InboundJob))
    assert (job.status, job.attempts) == ("done", 2)


class Killed(BaseException):
    """kill -9 between the answer and closing the job: nothing after it runs."""


def test_a_worker_killed_after_answering_never_answers_twice(
    app, client, session, settings, echo, monkeypatch
) -> None:
    make_borrower(session)
    post(client, settings, "SM" + "d" * 32, "balance")

    def killed(*args, **kwargs):
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr("outreach.conversations.inbound.finish", killed)
        with pytest.raises(Killed):
            work(app)  # the turn ran and the answer went out; the job was never closed
    assert answers(session) == ["re: balance"]
    now = clock.unix_seconds()
    assert not work(app, now + 1)  # the dead worker's hold still stands
    assert work(app, now + LEASE + 1)  # taken over once it ran out
    assert answers(session) == ["re: balance"]  # once
    assert len(echo.turns) == 1  # Rasa was not asked again
    session.expire_all()
    job = session.scalar(select(InboundJob))
    assert (job.status, job.attempts, job.body) == ("done", 2, None)


def test_the_worker_logs_the_message_with_the_instant_twilio_delivered_it(
    app, client, session, settings, echo, clock
) -> None:
    make_borrower(session)
    post(client, settings, "SM" + "9" * 32, "hello")
    delivered = clock.now()
    clock.advance(minutes=3)  # the worker gets to it later
    assert session.scalar(select(Message).where(Message.direction == "in")) is None
    assert work(app)
    session.expire_all()
    msg = session.scalar(select(Message).where(Message.direction == "in"))
    assert (msg.body, msg.provider_sid, msg.created_at) == ("hello", "SM" + "9" * 32, delivered)
    # A Twilio retry of a message already logged and answered is acknowledged, nothing more.
    assert post(client, settings, "SM" + "9" * 32, "hello").status_code == 200
    assert depth_by_status(session) == {"pending": 0, "done": 1, "failed": 0}


def test_a_turn_that_keeps_failing_is_set_aside_so_the_conversation_moves_on(
    app, client, session, settings, echo, monkeypatch
) -> None:
    make_borrower(session)
    post(client, settings, "SM" + "e" * 32, "poison")
    post(client, settings, "SM" + "f" * 32, "next")
    calls = []

    def broken(*args, **kwargs):
        calls.append(1)
        if len(calls) <= 5:
            raise RuntimeError("a bug")
        return route_inbound(*args, **kwargs)

    monkeypatch.setattr("outreach.conversations.inbound.route_inbound", broken)
    later = clock.unix_seconds()
    for _ in range(5):  # each failure backs off; the test moves the worker's clock past it
        assert work(app, later)
        later += 10
    assert depth_by_status(session) == {"pending": 1, "done": 0, "failed": 1}
    assert work(app, later)
    assert answers(session) == ["re: next"]
