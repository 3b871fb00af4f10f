"""One open conversation per channel and address, even when first messages race
(security finding 18): the database refuses a second one and the loser joins the winner's."""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from outreach.conversations import inbound as conversations
from outreach.conversations.inbound_worker import work_once
from outreach.models import Conversation, Message
from tests.conftest import PUBLIC_BASE_URL
from tests.support.twilio_signing import inbound_form, signed_post

NEW_NUMBER = "+13125550177"  # no borrower has it: every first message opens a conversation
RACERS = 8
_sids = itertools.count(1)


def test_it_opens_one_conversation_for_concurrent_first_messages(
    app, settings, session, monkeypatch
) -> None:
    # Hold every request just after it found no open conversation and before it opens one, so
    # all of them race for the insert (what 8 workers did in the review: 6 conversations).
    everyone_looked = threading.Barrier(RACERS, timeout=20)
    looked_up = conversations.borrower_for_address

    def after_everyone_looked(*args, **kwargs):
        everyone_looked.wait()
        return looked_up(*args, **kwargs)

    monkeypatch.setattr(conversations, "borrower_for_address", after_everyone_looked)

    def text_in(body: str) -> int:
        return signed_post(
            app.test_client(),
            "/webhooks/twilio/sms",
            inbound_form(f"SM{next(_sids):032d}", NEW_NUMBER, body),
            token=settings.sandbox_auth_token,
            base_url=PUBLIC_BASE_URL,
        ).status_code

    with ThreadPoolExecutor(max_workers=RACERS) as workers:
        statuses = list(workers.map(text_in, [f"hello {i}" for i in range(RACERS)]))
    assert statuses == [200] * RACERS

    convs = session.scalars(select(Conversation).where(Conversation.address == NEW_NUMBER)).all()
    assert len(convs) == 1 and convs[0].status == "open"
    inbound = session.scalars(
        select(Message).where(Message.direction == "in", Message.address == NEW_NUMBER)
    ).all()
    assert len(inbound) == RACERS  # nothing lost: every message is on the one conversation
    assert {m.conversation_id for m in inbound} == {convs[0].id}
    # A message that came while an earlier one of its conversation was being answered waits its
    # turn in the inbound queue (issue 19: in order per conversation); the worker runs it.
    ext = app.extensions
    while work_once(ext["settings"], ext["rasa"], ext["channels"]):
        pass
    session.expire_all()
    answered = session.scalar(
        select(func.count(Message.id)).where(
            Message.direction == "out", Message.conversation_id == convs[0].id
        )
    )
    assert answered == RACERS  # and every one was answered (no Rasa here: "unavailable")


def test_it_refuses_a_second_open_conversation_for_the_same_address(session) -> None:
    session.add(Conversation(channel="sms", address=NEW_NUMBER, status="closed"))
    session.add(Conversation(channel="sms", address=NEW_NUMBER))
    session.add(Conversation(channel="whatsapp", address=NEW_NUMBER))  # another channel
    session.commit()
    session.add(Conversation(channel="sms", address=NEW_NUMBER))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    assert conversations.open_conversation(session, "sms", NEW_NUMBER).status == "open"
