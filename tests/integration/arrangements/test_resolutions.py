"""Settlements, payment holidays and fee waivers from the bot's side (outreach.payments.
bot_resolutions) against the test database, and their lifecycle with a frozen clock across the
deadline (outreach.arrangements.resolution_review, the planner, the dispatcher's stops)."""

from __future__ import annotations

import html
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from outreach import selfservice
from outreach.arrangements.review import review_loan
from outreach.audit import resolution_kpis
from outreach.audit.kpis import Range
from outreach.campaigns.planner import plan
from outreach.campaigns.stops import batch_stop_reasons
from outreach.conversations.inbound import open_conversation
from outreach.models import (
    BorrowerFlag,
    ContactPoint,
    Event,
    Loan,
    OutboxItem,
    Payment,
    Resolution,
)
from outreach.outbox.dispatcher import dispatch
from outreach.payments import bot_resolutions
from tests.conftest import make_settings
from tests.support.channels import FakeChannels
from tests.support.factories import CONSENTED, make_borrower
from tests.support.officers import login, make_officer

MID = {"days_past_due": 60, "outstanding": Decimal("1000.00"), "past_due_amount": Decimal("300.00")}
pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def settings(database_url):
    return make_settings(database_url)


def conversation(session, settings, verified=True, phone="+13125550100", **borrower):
    make_borrower(session, phone=phone, loan=MID, **borrower)
    conv = open_conversation(session, "sms", phone)
    session.commit()
    if verified:
        selfservice.submit_factor(conv.public_id, "date_of_birth", "14/03/1985", settings)
        assert selfservice.submit_factor(conv.public_id, "loan_last4", "1234", settings).verified
    return conv


def test_it_discloses_nothing_before_verification(session, settings):
    conv = conversation(session, settings, verified=False)
    assert bot_resolutions.quote(conv.public_id, "settlement", settings=settings) is None
    assert bot_resolutions.accept(conv.public_id, "settlement", "850.00", settings=settings) is None
    assert session.scalar(select(Resolution)) is None


def test_inside_the_bot_tier_the_exact_offer_then_stored_on_yes(session, settings, clock):
    conv = conversation(session, settings)
    offer = bot_resolutions.quote(conv.public_id, "settlement", settings=settings)
    assert (offer.outcome, offer.amount, offer.amount_text) == ("offer", "850.00", "$850.00")
    assert offer.deadline_text == "December 8, 2026"  # 14 days in the US
    assert "closed as settled" in offer.terms_text and "full balance stays due" in offer.terms_text
    assert "We are not obligated to renew this offer." in offer.terms_text  # US safe harbour
    assert session.scalar(select(Resolution)) is None  # nothing stored before the yes
    done = bot_resolutions.accept(conv.public_id, "settlement", offer.amount, settings=settings)
    assert done.outcome == "accepted" and "/pay/" in done.link
    row = session.scalar(select(Resolution))
    assert (row.status, row.amount, row.discount, row.tier, row.decided_by) == (
        "accepted",
        Decimal("850.00"),
        Decimal("150.00"),
        "bot",
        "bot",
    )
    assert row.limits_version.startswith("v1-") and row.limits["bucket"] == "mid"
    event = session.scalar(select(Event).where(Event.type == "settlement.accepted"))
    assert event.data["amount"] == "850.00" and event.data["decided_by"] == "bot"
    note = session.scalar(
        select(OutboxItem).where(OutboxItem.template == "settlement_confirmation")
    )
    assert note.channel == "email" and note.payload["channels"][0] == "email"


def test_spanish_gb_offer_is_long_and_without_pressure(session, settings):
    conv = conversation(
        session,
        settings,
        country="GB",
        region=None,
        postal_code="SW1A 1AA",
        locale="es_GB",
        phone="+447700900123",
    )
    offer = bot_resolutions.quote(conv.public_id, "settlement", language="es", settings=settings)
    assert offer.outcome == "offer"
    assert "No hay ninguna presión" in offer.terms_text
    assert "No estamos obligados" not in offer.terms_text
    assert "24 de diciembre de 2026" in offer.deadline_text  # 30 days in GB


def test_outside_the_bot_tier_a_counter_offer_then_the_proposal_goes_to_a_supervisor(
    session, settings
):
    conv = conversation(session, settings)
    counter = bot_resolutions.quote(conv.public_id, "settlement", "750", settings=settings)
    assert (counter.outcome, counter.amount) == ("counter", "850.00")
    # The bot never stores terms outside its tier, whatever the slots say.
    assert (
        bot_resolutions.accept(conv.public_id, "settlement", "750", settings=settings).outcome
        == "refused"
    )
    sent = bot_resolutions.hand_off(conv.public_id, "settlement", "750", settings=settings)
    row = session.scalar(select(Resolution))
    assert (row.status, row.tier, row.amount, str(row.case_id)) == (
        "requested",
        "supervisor",
        Decimal("750.00"),
        sent.case_id,
    )


def test_half_now_is_beyond_every_tier(session, settings):
    conv = conversation(session, settings)
    counter = bot_resolutions.quote(conv.public_id, "settlement", "half", settings=settings)
    assert (counter.outcome, counter.amount) == ("counter", "850.00")
    bot_resolutions.hand_off(conv.public_id, "settlement", "half", settings=settings)
    assert session.scalar(select(Resolution.tier)) == "beyond_limits"


def test_a_flagged_borrower_is_offered_nothing(session, settings):
    conv = conversation(session, settings)
    session.add(BorrowerFlag(borrower_id=conv.borrower_id, flag="dispute_open"))
    session.commit()
    for kind in ("settlement", "holiday", "waiver"):
        answer = bot_resolutions.quote(conv.public_id, kind, settings=settings)
        assert (answer.outcome, answer.refusal) == ("refused", "borrower_flag")
        assert (
            bot_resolutions.hand_off(conv.public_id, kind, settings=settings).outcome == "refused"
        )
    assert session.scalar(select(Resolution)) is None


def test_fees_are_waived_only_by_an_officer(session, settings):
    conv = conversation(session, settings)
    assert bot_resolutions.quote(conv.public_id, "waiver", settings=settings).outcome == "handoff"
    bot_resolutions.hand_off(conv.public_id, "waiver", settings=settings)
    row = session.scalar(select(Resolution))
    assert (row.kind, row.status, row.tier, row.amount) == (
        "waiver",
        "requested",
        "officer",
        Decimal("50.00"),
    )


def _accept_settlement(session, settings):
    conv = conversation(session, settings)
    bot_resolutions.accept(conv.public_id, "settlement", "850.00", settings=settings)
    session.expire_all()
    return conv, session.scalar(select(Resolution)), session.scalar(select(Loan))


def test_paid_in_full_for_less_settles_the_loan(session, settings, clock):
    _conv, row, loan = _accept_settlement(session, settings)
    clock.advance(days=2)
    session.add(
        Payment(loan_id=loan.id, amount=Decimal("850.00"), paid_at=clock.now(), reference="t:1")
    )
    review_loan(session, loan.id, clock.now(), "test")
    session.commit()
    session.expire_all()
    assert session.get(Resolution, row.id).status == "paid"
    assert session.get(Loan, loan.id).status == "settled"
    assert (
        session.scalar(select(Event).where(Event.type == "settlement.paid")).data["paid"]
        == "850.00"
    )
    assert session.scalar(select(OutboxItem).where(OutboxItem.template == "settlement_paid"))


def test_across_the_deadline_reminders_then_expiry_and_the_cadence_resumes(
    session, settings, clock
):
    _conv, row, loan = _accept_settlement(session, settings)
    report = plan(session, clock.now(), dry_run=True)
    assert report.stopped.get("resolution_open") == 1  # the collection cadence is paused
    clock.move_to(clock.now() + timedelta(days=12))  # 2 days before the deadline
    plan(session, clock.now())
    reminder = session.scalar(
        select(OutboxItem).where(OutboxItem.template == "settlement_reminder")
    )
    assert reminder.payload["deadline"] == "2026-12-08" and reminder.payload["amount"] == "850.00"
    assert batch_stop_reasons(session, [reminder]) == {}
    session.add(
        Payment(loan_id=loan.id, amount=Decimal("100.00"), paid_at=clock.now(), reference="t:2")
    )
    session.commit()
    clock.move_to(clock.now() + timedelta(days=4))  # deadline + 2: still within the grace
    review_loan(session, loan.id, clock.now(), "test")
    assert session.get(Resolution, row.id).status == "accepted"
    clock.move_to(clock.now() + timedelta(days=1))
    review_loan(session, loan.id, clock.now(), "test")
    session.commit()
    session.expire_all()
    assert session.get(Resolution, row.id).status == "expired"
    assert (
        session.scalar(select(Event).where(Event.type == "settlement.expired")).data["paid"]
        == "100.00"
    )
    assert session.scalar(select(OutboxItem).where(OutboxItem.template == "settlement_expired"))
    reminder = session.get(OutboxItem, reminder.id)
    assert batch_stop_reasons(session, [reminder]) == {reminder.id: "resolution_resolved"}
    assert "resolution_open" not in plan(session, clock.now(), dry_run=True).stopped


def test_a_payment_holiday_pauses_the_cadence_until_it_ends(session, settings, clock):
    conv = conversation(session, settings)
    offer = bot_resolutions.quote(conv.public_id, "holiday", settings=settings)
    assert (offer.outcome, offer.days, offer.end_text) == ("offer", "30", "December 23, 2026")
    bot_resolutions.accept(conv.public_id, "holiday", None, offer.days, settings=settings)
    assert plan(session, clock.now(), dry_run=True).stopped.get("resolution_open") == 1
    again = bot_resolutions.quote(conv.public_id, "holiday", settings=settings)
    assert (again.outcome, again.refusal) == ("refused", "holiday_too_recent")
    clock.move_to(clock.now() + timedelta(days=31))
    review_loan(session, session.scalar(select(Loan.id)), clock.now(), "test")
    session.commit()
    assert session.scalar(select(Resolution.status)) == "completed"
    assert "resolution_open" not in plan(session, clock.now(), dry_run=True).stopped


def test_a_longer_holiday_gets_the_bot_tier_as_a_counter_offer(session, settings):
    conv = conversation(session, settings)
    counter = bot_resolutions.quote(conv.public_id, "holiday", days="60", settings=settings)
    assert (counter.outcome, counter.days) == ("counter", "30")


def test_the_kpis_count_offers_acceptances_payments_and_the_discount(session, settings, clock):
    conv, _row, loan = _accept_settlement(session, settings)
    bot_resolutions.quote(conv.public_id, "settlement", settings=settings)  # one offer shown
    session.add(
        Payment(loan_id=loan.id, amount=Decimal("850.00"), paid_at=clock.now(), reference="t:3")
    )
    review_loan(session, loan.id, clock.now(), "test")
    session.commit()
    day = clock.now().date()
    figures = resolution_kpis.figures(session, Range.of_dates(day, day))
    assert (figures["offers_made"], figures["accepted"], figures["paid"]) == (1, 1, 1)
    assert figures["discount"] == {"USD": Decimal("150.00")}
    assert figures["recovered"] == {"USD": Decimal("850.00")}
    assert figures["recovery_rate"] == {"USD": 0.85}
    assert figures["by"]["decided_by"] == {"bot": 1} and figures["by"]["bucket"] == {"mid": 1}


def test_the_dashboard_shows_the_settlement_figures_and_charts(client, session, settings, clock):
    _conv, _row, loan = _accept_settlement(session, settings)
    session.add(
        Payment(loan_id=loan.id, amount=Decimal("850.00"), paid_at=clock.now(), reference="t:4")
    )
    review_loan(session, loan.id, clock.now(), "test")
    session.commit()
    login(client, make_officer(session, "auditor"))
    day = clock.now().date().isoformat()
    page = html.unescape(
        client.get(f"/audit/kpis?date_from={day}&date_to={day}").get_data(as_text=True)
    )
    assert 'id="kpi-settlement-discount">150.00 USD<' in page
    assert 'id="kpi-settlement-recovered">850.00 USD<' in page and "85.0% of the balance" in page
    assert 'id="chart-settlements"' in page and "resolution-kpis.js" in page
    assert "<td>decided by</td><td>bot</td><td>1</td>" in page


def test_a_new_york_borrower_gets_the_written_confirmation_by_email(session, settings, clock):
    conv = conversation(session, settings, region="NY", postal_code="10001", phone="+12125550100")
    session.add(
        ContactPoint(
            borrower_id=conv.borrower_id,
            channel="email",
            address="ana@example.com",
            consent_source="loan_agreement",
            consent_at=CONSENTED,
        )
    )
    session.commit()
    bot_resolutions.accept(conv.public_id, "settlement", "850.00", settings=settings)
    channels = FakeChannels()
    dispatch(session, settings, clock.now(), channels=channels)
    (sent,) = [s for s in channels.sent if "settlement" in s[2]]
    channel, to, body, _kwargs = sent
    assert (channel, to) == ("email", "ana@example.com")  # US-NY: in writing, by email
    assert "written confirmation of the settlement terms" in body
    assert "$1,000.00" in body and "$850.00" in body and "December 8, 2026" in body
    assert "We are not obligated to renew this offer." in body and "/pay/" in body


def test_a_loan_that_is_not_past_due_is_not_settled_for_less(session, settings):
    make_borrower(session, loan={**MID, "days_past_due": 0, "past_due_amount": Decimal("0")})
    conv = open_conversation(session, "sms", "+13125550100")
    session.commit()
    selfservice.submit_factor(conv.public_id, "date_of_birth", "14/03/1985", settings)
    selfservice.submit_factor(conv.public_id, "loan_last4", "1234", settings)
    answer = bot_resolutions.quote(conv.public_id, "settlement", settings=settings)
    assert (answer.outcome, answer.refusal) == ("refused", "not_past_due")
