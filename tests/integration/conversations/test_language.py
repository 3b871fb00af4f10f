"""The conversation follows the borrower's language (issue 16): every system message (STOP,
START and HELP confirmations, "assistant unavailable") in the language they write in, through
signed webhooks; short texts ("ok", "1234", dates) never switch. Rasa is down here: the app's own
notice answers each message (the bot's side is tests/e2e/test_bot_language.py)."""

from __future__ import annotations

from sqlalchemy import select

from outreach.conversations.keywords import HELP_TEXT, OPT_IN_CONFIRMATION, OPT_OUT_CONFIRMATION
from outreach.conversations.notices import NOTICES
from outreach.models import BotTurn, Conversation, Message
from tests.conftest import PUBLIC_BASE_URL
from tests.support.factories import make_borrower
from tests.support.twilio_signing import inbound_form, signed_post

NUMBER = "+13125550100"


class Phone:
    def __init__(self, client, settings, session) -> None:
        self.client, self.settings, self.session, self.sid = client, settings, session, 0

    def say(self, text: str) -> list[str]:
        last = self.session.scalar(select(Message.id).order_by(Message.id.desc()).limit(1)) or 0
        self.sid += 1
        resp = signed_post(
            self.client,
            "/webhooks/twilio/sms",
            inbound_form(f"SM{self.sid:032d}", NUMBER, text),
            token=self.settings.sandbox_auth_token,
            base_url=PUBLIC_BASE_URL,
        )
        assert resp.status_code == 200
        self.session.expire_all()
        return list(
            self.session.scalars(
                select(Message.body)
                .where(Message.id > last, Message.direction == "out")
                .order_by(Message.id)
            )
        )


def lender(settings, texts: dict[str, str], language: str) -> str:
    return texts[language].format(lender=settings.lender_name)


def test_it_follows_a_borrower_who_switches_to_spanish(client, settings, session) -> None:
    make_borrower(session)  # en_US on file
    phone = Phone(client, settings, session)
    assert phone.say("what do i owe") == [NOTICES["unavailable"]["en"]]
    assert phone.say("hola, quiero saber cuanto debo") == [NOTICES["unavailable"]["es"]]
    for short in ("ok", "1234", "12/5", "14/03/1985"):  # too short to switch back
        assert phone.say(short) == [NOTICES["unavailable"]["es"]], short
    assert phone.say("HELP") == [lender(settings, HELP_TEXT, "es")]
    assert phone.say("STOP") == [lender(settings, OPT_OUT_CONFIRMATION, "es")]
    assert phone.say("START") == [lender(settings, OPT_IN_CONFIRMATION, "es")]
    assert session.scalar(select(Conversation.language)) == "es"
    turns = session.scalars(select(BotTurn.language).order_by(BotTurn.id)).all()
    assert turns == ["en", "es", "es", "es", "es", "es"]


def test_a_spanish_speaking_borrower_gets_stop_and_start_in_spanish(
    client, settings, session
) -> None:
    make_borrower(session, locale="es_US")
    phone = Phone(client, settings, session)
    assert phone.say("STOP") == [lender(settings, OPT_OUT_CONFIRMATION, "es")]
    assert phone.say("START") == [lender(settings, OPT_IN_CONFIRMATION, "es")]
    assert phone.say("ok") == [NOTICES["unavailable"]["es"]]
    # Writing English in full switches the replies to English.
    assert phone.say("can i talk to a person please") == [NOTICES["unavailable"]["en"]]
    assert phone.say("STOP") == [lender(settings, OPT_OUT_CONFIRMATION, "en")]
