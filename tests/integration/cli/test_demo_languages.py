"""The demo book speaks its borrowers' languages (issue 20): after ``seed-demo`` the Kenyan
borrowers' reminders are in Swahili, and a phone two group members share gets a reminder that
names nobody and no amount, in Swahili too."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from outreach.models import Borrower, ContactPoint, Message
from tests.support.reminders import remind


def test_the_kenyan_demo_borrowers_get_swahili_reminders(runner, session, settings, clock):
    assert runner.invoke(args=["seed-demo", "--if-empty"]).exit_code == 0
    kenyans = session.scalars(select(Borrower).where(Borrower.country == "KE")).all()
    assert kenyans and {b.locale for b in kenyans} == {"sw_KE"}
    addresses = {
        cp.address: cp.borrower_id
        for cp in session.scalars(
            select(ContactPoint).where(
                ContactPoint.borrower_id.in_([b.id for b in kenyans]),
                ContactPoint.channel == "sms",
            )
        )
    }
    # The demo group has two members on one phone (outreach/cli/demo_seed.py).
    shared = {
        address
        for address in addresses
        if len(session.scalars(select(ContactPoint).where(ContactPoint.address == address)).all())
        > 1
    }
    assert shared
    # A week of daytime passes in Nairobi (10:00 EAT): the cadence reaches every Kenyan loan.
    start = clock.now().replace(hour=7, minute=0, second=0, microsecond=0)
    for day in range(10):
        now = start + timedelta(days=day)
        clock.move_to(now)
        remind(session, settings, now)
    sent = session.scalars(
        select(Message).where(
            Message.direction == "out", Message.address.in_(addresses), Message.channel == "sms"
        )
    ).all()
    assert sent, "no reminder reached a Kenyan demo phone"
    for message in sent:
        assert "Jibu STOP" in message.body, message.body
        assert "Reply STOP" not in message.body
        if message.address in shared:
            assert "kuna ujumbe kwa mtu anayetumia simu hii" in message.body
            assert "Ksh" not in message.body and "KES" not in message.body
        else:
            assert "una malipo yanayodaiwa" in message.body or "ujumbe kuhusu" in message.body
    assert {m.address for m in sent} & shared and {m.address for m in sent} - shared
