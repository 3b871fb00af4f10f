"""The demo sandbox phone: messages sent to the number, and answers through the inbound path."""

from sqlalchemy import select

from outreach.models import ContactPoint, Message
from tests.support.factories import make_borrower


def test_it_lists_demo_phones_and_enters_answers_as_inbound_messages(client, session):
    make_borrower(session)
    point = session.scalar(select(ContactPoint))
    assert b"Ana Garcia" in client.get("/sandbox/").data
    client.post(f"/sandbox/phones/{point.id}", data={"body": "STOP"})
    msgs = session.scalars(select(Message).order_by(Message.id)).all()
    assert msgs[0].direction == "in" and msgs[0].body == "STOP"
    assert msgs[0].provider_sid.startswith("SM")
    page = client.get(f"/sandbox/phones/{point.id}").get_data(as_text=True)
    assert "STOP" in page and "no longer receive messages" in page


def test_it_hides_the_sandbox_when_twilio_credentials_are_set(database_url):
    from outreach import create_app
    from tests.conftest import make_settings

    app = create_app(
        make_settings(database_url, TWILIO_ACCOUNT_SID="AC" + "0" * 32, TWILIO_AUTH_TOKEN="tok")
    )
    assert app.test_client().get("/sandbox/").status_code == 404


def test_it_refuses_a_sandbox_answer_over_1600_characters_and_keeps_the_text(client, session):
    make_borrower(session)
    point = session.scalar(select(ContactPoint))
    too_long = "x" * 1601
    resp = client.post(f"/sandbox/phones/{point.id}", data={"body": too_long})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "Body: longer than 1,600 characters" in page and too_long in page
    assert session.scalars(select(Message)).all() == []


def test_it_sends_sandbox_whatsapp_answers_to_the_sandbox_number(client, session):
    make_borrower(session, whatsapp=True)
    point = session.scalar(select(ContactPoint).where(ContactPoint.channel == "whatsapp"))
    assert client.post(f"/sandbox/phones/{point.id}", data={"body": "HELP"}).status_code == 302
    first = session.scalars(select(Message).order_by(Message.id)).first()
    assert (first.direction, first.channel, first.address) == ("in", "whatsapp", point.address)


def test_it_answers_404_for_a_phone_id_past_64_bits(client, session):
    make_borrower(session)
    for point_id in (2**63, 2**64, 10**30):
        assert client.get(f"/sandbox/phones/{point_id}").status_code == 404
        assert client.post(f"/sandbox/phones/{point_id}", data={"body": "hi"}).status_code == 404
    assert session.scalars(select(Message)).all() == []


def test_it_makes_the_apps_own_links_in_its_messages_open_from_the_phone(
    client, session, settings, clock
):
    from tests.support.reminders import INSIDE, remind

    make_borrower(session)
    point = session.scalar(select(ContactPoint))
    clock.move_to(INSIDE)
    remind(session, settings, INSIDE)
    pay_link = session.scalar(select(Message.body)).split(": ")[-1].split()[0]
    assert pay_link.startswith(settings.public_base_url + "/pay/")
    client.post(
        f"/sandbox/phones/{point.id}",
        data={"body": f"is {settings.public_base_url}/pay/x or https://evil.example/ real?"},
    )
    page = client.get(f"/sandbox/phones/{point.id}").get_data(as_text=True)
    assert f'<a href="{pay_link}" rel="noreferrer">{pay_link}</a>' in page
    # What a borrower wrote is never a link, even to the app's own address.
    assert "evil.example/ real?" in page
    assert 'href="https://evil.example' not in page
    assert f'href="{settings.public_base_url}/pay/x"' not in page
