"""Africa's Talking's inbound SMS and delivery-report callbacks: unsigned, so a secret path token
(404 when wrong) and an optional allowlist (403) guard them; bad fields get a 400 naming them."""

import pytest
from sqlalchemy import func, select

from outreach import create_app
from outreach.models import ContactPoint, Message
from tests.conftest import make_settings, wipe
from tests.support.factories import make_borrower
from tests.support.fake_africastalking import FakeAfricasTalking

KENYAN = "+254712345678"
TOKEN = "at-callback-token-0123456789"
INBOUND = f"/webhooks/africastalking/{TOKEN}/inbound"
DELIVERY = f"/webhooks/africastalking/{TOKEN}/delivery"


@pytest.fixture
def fake_at():
    with FakeAfricasTalking() as fake:
        yield fake


def build(database_url, fake_at, **extra):
    wipe(database_url)
    settings = make_settings(
        database_url,
        TWILIO_ACCOUNT_SID="AC" + "1" * 32,
        TWILIO_AUTH_TOKEN="secret",
        TWILIO_API_BASE_URL="http://127.0.0.1:9",  # Twilio unreachable: replies must use AT
        TWILIO_SMS_FROM="+15005550006",
        AFRICASTALKING_USERNAME=fake_at.username,
        AFRICASTALKING_API_KEY=fake_at.api_key,
        AFRICASTALKING_SHORTCODES="22384",
        AFRICASTALKING_API_BASE=fake_at.url,
        AFRICASTALKING_CALLBACK_TOKEN=TOKEN,
        **extra,
    )
    app = create_app(settings)
    app.config.update(TESTING=True)
    return app


@pytest.fixture
def app(database_url, fake_at):
    return build(database_url, fake_at)


@pytest.fixture
def session(app):
    with app.extensions["sessions"]() as session:
        make_borrower(session, phone=KENYAN, country="KE", region="30", postal_code="00100")
        yield session


def inbound(client, body, message_id=None, **changes):
    form = FakeAfricasTalking.inbound_form(KENYAN, body, "22384", message_id)
    form.update(changes)
    return client.post(INBOUND, data=form)


def test_it_takes_stop_by_africas_talking_and_confirms_through_it(app, session, fake_at):
    answer = inbound(app.test_client(), "STOP")
    assert answer.status_code == 200
    session.expire_all()
    assert session.scalar(select(ContactPoint)).opted_out_at is not None
    [reply] = fake_at.sent  # the confirmation went back through Africa's Talking
    assert reply["form"]["to"] == KENYAN and "no longer receive" in reply["form"]["message"]
    stored = session.scalar(select(Message).where(Message.direction == "in"))
    assert stored.body == "STOP" and stored.provider_sid.startswith("AT:")


def test_it_keeps_a_repeated_callback_once(app, session):
    client = app.test_client()
    inbound(client, "HELP", message_id="abc123")
    inbound(client, "HELP", message_id="abc123")
    count = session.scalar(
        select(func.count()).select_from(Message).where(Message.direction == "in")
    )
    assert count == 1


def test_it_answers_404_to_a_wrong_token(app, session):
    form = FakeAfricasTalking.inbound_form(KENYAN, "STOP", "22384")
    answer = app.test_client().post("/webhooks/africastalking/guess/inbound", data=form)
    assert answer.status_code == 404
    assert session.scalar(select(func.count()).select_from(Message)) == 0


def test_it_answers_403_outside_the_allowlist(database_url, fake_at):
    app = build(database_url, fake_at, AFRICASTALKING_ALLOWED_IPS="196.201.214.0/24")
    answer = inbound(app.test_client(), "STOP")
    assert answer.status_code == 403
    inside = app.test_client().post(
        INBOUND,
        data=FakeAfricasTalking.inbound_form(KENYAN, "HELP", "22384"),
        environ_base={"REMOTE_ADDR": "196.201.214.7"},
    )
    assert inside.status_code == 200


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id": ""}, "id"),
        ({"to": "99999"}, "to"),
        ({"from": "0712345678"}, "from"),
        ({"text": "x" * 1601}, "text"),
    ],
)
def test_it_names_the_bad_field_and_stores_nothing(app, session, changes, field):
    answer = inbound(app.test_client(), "hello", **changes)
    assert answer.status_code == 400 and answer.text.startswith(f"{field}:")
    assert session.scalar(select(func.count()).select_from(Message)) == 0


def test_it_moves_a_message_to_delivered_on_a_success_report(app, session, fake_at):
    client = app.test_client()
    inbound(client, "HELP")  # the HELP answer goes out through Africa's Talking
    sent = session.scalar(select(Message).where(Message.direction == "out"))
    answer = fake_at_report(client, fake_at, sent.provider_sid, "Success")
    assert answer.status_code == 204
    session.expire_all()
    assert session.get(Message, sent.id).status == "delivered"


def test_it_opts_the_number_out_on_a_blacklisted_report(app, session, fake_at):
    client = app.test_client()
    inbound(client, "HELP")
    sent = session.scalar(select(Message).where(Message.direction == "out"))
    fake_at_report(client, fake_at, sent.provider_sid, "Failed", "UserInBlackList")
    session.expire_all()
    assert session.get(Message, sent.id).status == "failed"
    assert session.scalar(select(ContactPoint)).opted_out_at is not None


def test_it_refuses_a_report_with_an_unknown_status(app, session):
    answer = app.test_client().post(DELIVERY, data={"id": "ATXid_1", "status": "Delivered"})
    assert answer.status_code == 400 and answer.text.startswith("status:")


def fake_at_report(client, fake_at, message_id, status, reason=""):
    form = FakeAfricasTalking.report_form(message_id, status, KENYAN, reason)
    return client.post(DELIVERY, data=form)
