"""Payments through the product on the KPI dashboard, against a data set worked out by hand."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from outreach.audit import kpis, payment_kpis
from outreach.models import Conversation, Message, ProviderPayment
from tests.support.factories import make_borrower
from tests.support.officers import login, make_officer

MARCH = kpis.Range.of_dates(date(2026, 3, 1), date(2026, 3, 31))


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def sent(borrower, channel, when, *, sender="scheduler", status="delivered", loan=True):
    return Message(
        borrower_id=borrower.id,
        loan_id=borrower.loans[0].id if loan else None,
        direction="out",
        channel=channel,
        address="+1",
        sender=sender,
        initiated_by="lender",
        body="x",
        status=status,
        created_at=when,
    )


def paid(borrower, provider, amount, when, ref, *, conv=None, status="applied", currency=None):
    loan = borrower.loans[0]
    return ProviderPayment(
        provider=provider,
        reference=ref,
        loan_number=loan.loan_number,
        loan_id=loan.id,
        amount=Decimal(amount),
        currency=currency or loan.currency,
        received_at=when,
        status=status,
        conversation_id=conv.id if conv else None,
    )


@pytest.fixture
def book(session):
    a = make_borrower(session, phone="+13125550101", external_id="A")  # USD
    b = make_borrower(session, phone="+13125550102", external_id="B", loan={"currency": "INR"})
    c = make_borrower(session, phone="+13125550103", external_id="C", loan={"currency": "KES"})
    d = make_borrower(session, phone="+13125550104", external_id="D")  # USD
    conv_a = Conversation(channel="sms", address="+13125550101", borrower_id=a.id)
    conv_b = Conversation(channel="whatsapp", address="+13125550102", borrower_id=b.id)
    session.add_all([conv_a, conv_b])
    session.flush()
    session.add_all(
        [
            # A: reminders on 8 and 10 March at 09:00; an officer's WhatsApp on 11 March.
            sent(a, "sms", at(3, 8, 9)),
            sent(a, "sms", at(3, 10, 9)),
            sent(a, "whatsapp", at(3, 11, 18), sender="officer", loan=False),
            # B: an SMS reminder at 09:30, then a blocked one at 09:50 (never sent: ignored).
            sent(b, "sms", at(3, 15, 9, 30)),
            sent(b, "whatsapp", at(3, 15, 9, 50), status="blocked"),
            # C: only the receipt, one minute after paying (after the payment: ignored).
            sent(c, "sms", at(3, 20, 10, 1), sender="payments"),
            # D: an SMS reminder the day before paying.
            sent(d, "sms", at(3, 24, 10)),
        ]
    )
    session.add_all(
        [
            # P1: asked in A's SMS conversation; 3 h after the 09:00 reminder.
            paid(a, "stripe", "40.00", at(3, 10, 12), "pi_1", conv=conv_a),
            # P2: no asking conversation: the last message to A was the officer's WhatsApp;
            # 49 h after the 10 March reminder (the officer's message is not a reminder).
            paid(a, "stripe", "60.00", at(3, 12, 10), "pi_2"),
            # P3: asked in B's WhatsApp conversation (wins over the later SMS); 30 min wait.
            paid(b, "razorpay", "500.00", at(3, 15, 10), "pay_3", conv=conv_b),
            # P4: nothing sent to C before: "direct", and no reminder before it.
            paid(c, "mpesa", "1000.00", at(3, 20, 10), "RK4"),
            # P5: names A's conversation, which is not D's: falls back to D's last SMS; 24 h.
            paid(d, "stripe", "25.00", at(3, 25, 10), "pi_5", conv=conv_a),
            # Not collected: parked, refunded, and outside the range (the end is exclusive).
            paid(d, "stripe", "99.00", at(3, 26), "pi_parked", status="review"),
            paid(d, "stripe", "77.00", at(3, 27), "pi_refunded", status="refunded"),
            paid(a, "stripe", "10.00", at(4, 1, 0), "pi_april"),
            paid(a, "stripe", "11.00", at(2, 28, 23, 59), "pi_february"),
        ]
    )
    session.commit()


def test_it_sums_what_was_collected_per_currency_by_provider_and_by_channel(session, book):
    figures = payment_kpis.collected(session, MARCH)

    assert figures == {
        "payments": 5,
        # USD 40 + 60 + 25; INR and KES never added to it.
        "total": {"INR": Decimal("500.00"), "KES": Decimal("1000.00"), "USD": Decimal("125.00")},
        "by_provider": {
            "mpesa": {"KES": Decimal("1000.00")},
            "razorpay": {"INR": Decimal("500.00")},
            "stripe": {"USD": Decimal("125.00")},
        },
        "by_channel": {
            "direct": {"KES": Decimal("1000.00")},  # P4
            "sms": {"USD": Decimal("65.00")},  # P1 40 + P5 25
            "whatsapp": {"INR": Decimal("500.00"), "USD": Decimal("60.00")},  # P3, P2
        },
    }


def test_it_measures_the_time_from_the_last_reminder_to_the_payment(session, book):
    figures = payment_kpis.reminder_to_payment(session, MARCH)

    # Waits, sorted: P3 1,800 s; P1 10,800 s; P5 86,400 s; P2 176,400 s (P4 had no reminder).
    # Median: rank 0.5 x 3 = 1.5 -> 10,800 + 0.5 x (86,400 - 10,800) = 48,600 s (13.5 h).
    # p90: rank 0.9 x 3 = 2.7 -> 86,400 + 0.7 x (176,400 - 86,400) = 149,400 s (41.5 h).
    assert figures == {
        "payments": 4,
        "without_reminder": 1,
        "median_seconds": 48600,
        "p90_seconds": 149400,
    }


def test_it_answers_no_figures_for_a_range_without_payments(session, book):
    april = kpis.Range.of_dates(date(2026, 4, 2), date(2026, 4, 30))
    assert payment_kpis.collected(session, april) == {
        "payments": 0,
        "total": {},
        "by_provider": {},
        "by_channel": {},
    }
    assert payment_kpis.reminder_to_payment(session, april) == {
        "payments": 0,
        "without_reminder": 0,
        "median_seconds": None,
        "p90_seconds": None,
    }


def test_it_interpolates_percentiles_between_the_closest_ranks():
    assert payment_kpis.percentile([7.0], 0.9) == 7.0
    assert payment_kpis.percentile([10.0, 20.0], 0.9) == pytest.approx(19.0)
    assert payment_kpis.percentile([], 0.5) is None


def test_it_shows_the_payment_figures_and_their_charts_on_the_dashboard(client, session, book):
    login(client, make_officer(session, "auditor"))

    page = html.unescape(
        client.get("/audit/kpis?date_from=2026-03-01&date_to=2026-03-31").get_data(as_text=True)
    )

    tile = page[page.index('id="kpi-collected"') :]
    assert tile.startswith('id="kpi-collected">500.00 INR · 1,000.00 KES · 125.00 USD<')
    assert 'id="kpi-reminder-median">13.5 h<' in page
    assert 'id="kpi-reminder-p90">41.5 h<' in page
    assert "4 after a reminder, 1 without" in page
    table = page[page.index('id="kpi-collected-table"') :]
    assert "<td>channel</td><td>whatsapp</td><td>500.00 INR · 60.00 USD</td>" in table
    assert "<td>provider</td><td>stripe</td><td>125.00 USD</td>" in table
    for chart in ("chart-collected-provider", "chart-collected-channel", "chart-reminder-wait"):
        assert f'id="{chart}"' in page
    assert '"by_channel": {"direct": {"KES": "1000.00"}' in page  # the charts' data, as text
