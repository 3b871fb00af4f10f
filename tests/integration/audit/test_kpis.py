"""KPIs against a small data set whose figures were worked out by hand (see the comments)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from outreach.audit import kpis
from outreach.audit import log as audit
from outreach.models import (
    Conversation,
    HandoffCase,
    Loan,
    Message,
    Payment,
    PaymentPlan,
    PromiseToPay,
)
from tests.support.factories import make_borrower
from tests.support.officers import login, make_officer


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def msg(
    borrower, direction, channel, status, when, *, reasons=None, conv=None, initiated_by="lender"
):
    return Message(
        borrower_id=borrower.id,
        conversation_id=conv.id if conv else None,
        direction=direction,
        channel=channel,
        address="+1",
        sender="borrower" if direction == "in" else "scheduler",
        initiated_by=initiated_by if direction == "out" else None,
        body="x",
        status=status,
        created_at=when,
        decision={"allowed": not reasons, "reasons": reasons or [], "rules_version": "US@t"},
    )


def plan(borrower, loan, status, created, accepted=None, broken=None):
    return PaymentPlan(
        loan_id=loan.id,
        borrower_id=borrower.id,
        status=status,
        instalment_amount=Decimal("50.00"),
        instalment_count=3,
        frequency="monthly",
        start_date=date(2026, 3, 20),
        first_amount=Decimal("50.00"),
        total=Decimal("150.00"),
        created_by="bot",
        created_at=created,
        accepted_at=accepted,
        broken_at=broken,
    )


@pytest.fixture
def book(session):
    a = make_borrower(session, phone="+13125550101", external_id="A")
    b = make_borrower(session, phone="+13125550102", external_id="B")
    c = make_borrower(session, phone="+13125550103", external_id="C")
    loan = {x.id: session.query(Loan).filter_by(borrower_id=x.id).one() for x in (a, b, c)}
    conv_a = Conversation(channel="sms", address="+13125550101", borrower_id=a.id)
    conv_b = Conversation(channel="whatsapp", address="+13125550102", borrower_id=b.id)
    conv_c = Conversation(channel="sms", address="+13125550103", borrower_id=c.id)
    session.add_all([conv_a, conv_b, conv_c])
    session.flush()
    session.add_all(
        [
            msg(a, "out", "sms", "delivered", at(3, 2, 10)),
            msg(a, "in", "sms", "received", at(3, 2, 11), conv=conv_a),  # A replied: counts
            msg(a, "out", "sms", "failed", at(3, 5)),
            msg(b, "out", "whatsapp", "sent", at(3, 3)),
            msg(b, "out", "sms", "blocked", at(3, 4), reasons=["contact_window", "weekly_cap"]),
            msg(c, "in", "sms", "received", at(3, 9), conv=conv_c),  # before C was contacted
            msg(c, "out", "sms", "delivered", at(3, 10)),
            msg(c, "out", "sms", "blocked", at(3, 11), reasons=["contact_window"]),
            msg(
                c, "out", "email", "delivered", at(2, 20)
            ),  # before the range (but in the lookback)
            msg(a, "out", "sms", "delivered", at(4, 2)),  # after the range
            msg(
                a, "out", "sms", "delivered", at(3, 6), initiated_by="borrower"
            ),  # a reply, not outreach
        ]
    )
    session.add_all(
        [
            HandoffCase(
                conversation_id=conv_c.id,
                borrower_id=c.id,
                reason="human",
                opened_at=at(3, 9, 12),
                claimed_at=at(3, 9, 12, 10),
                status="closed",
            ),
            HandoffCase(
                conversation_id=conv_b.id,
                borrower_id=b.id,
                reason="human",
                opened_at=at(3, 12, 9),
                claimed_at=at(3, 12, 9, 30),
                status="claimed",
            ),
            HandoffCase(
                conversation_id=conv_b.id,
                borrower_id=b.id,
                reason="human",
                opened_at=at(3, 20),
                status="open",
            ),
            HandoffCase(
                conversation_id=conv_a.id,
                borrower_id=a.id,
                reason="human",
                opened_at=at(2, 1),
                claimed_at=at(2, 3),
                status="closed",
            ),
            PromiseToPay(
                loan_id=loan[a.id].id,
                borrower_id=a.id,
                amount=Decimal("100.00"),
                promised_date=date(2026, 3, 6),
                status="kept",
                created_by="bot",
                created_at=at(3, 2),
                resolved_at=at(3, 6),
            ),
            PromiseToPay(
                loan_id=loan[b.id].id,
                borrower_id=b.id,
                amount=Decimal("50.00"),
                promised_date=date(2026, 3, 4),
                status="broken",
                created_by="bot",
                created_at=at(2, 25),
                resolved_at=at(3, 5),
            ),
            PromiseToPay(
                loan_id=loan[c.id].id,
                borrower_id=c.id,
                amount=Decimal("25.50"),
                promised_date=date(2026, 4, 4),
                status="open",
                created_by="officer:1",
                created_at=at(3, 11),
            ),
            plan(a, loan[a.id], "current", at(3, 3), accepted=at(3, 3)),
            plan(b, loan[b.id], "broken", at(2, 10), accepted=at(2, 10), broken=at(3, 15)),
            plan(c, loan[c.id], "proposed", at(3, 11)),
            Payment(loan_id=loan[a.id].id, amount=Decimal("100.00"), paid_at=at(3, 6)),
            Payment(loan_id=loan[c.id].id, amount=Decimal("40.00"), paid_at=at(3, 8)),
            Payment(loan_id=loan[b.id].id, amount=Decimal("10.00"), paid_at=at(3, 1, 9)),
            Payment(loan_id=loan[a.id].id, amount=Decimal("999.00"), paid_at=at(4, 3)),
        ]
    )
    session.commit()
    for when, who in ((at(3, 4), b), (at(3, 5), b), (at(4, 4), a)):
        audit.record(
            session,
            "borrower",
            "consent.opt_out",
            borrower_id=who.id,
            details={"channel": "sms", "text": "STOP"},
            at=when,
        )
    session.commit()
    return kpis.Range.of_dates(date(2026, 3, 1), date(2026, 3, 31))


def test_it_counts_messages_by_channel_and_day(session, book):
    figures = kpis.dashboard(session, book)
    # sms in March: delivered (A), failed (A), delivered reply (A), blocked (B), delivered (C),
    # blocked (C) -> 4 sent, 3 delivered, 1 failed, 2 blocked. whatsapp: B's one, "sent".
    assert figures["messages"]["by_channel"] == {
        "sms": {"sent": 4, "delivered": 3, "failed": 1, "blocked": 2},
        "whatsapp": {"sent": 1, "delivered": 0, "failed": 0, "blocked": 0},
    }
    assert figures["messages"]["totals"] == {"sent": 5, "delivered": 3, "failed": 1, "blocked": 2}
    days = {d["day"]: d for d in figures["messages"]["daily"]}
    assert days["2026-03-02"]["delivered"] == 1 and days["2026-03-05"]["failed"] == 1
    assert "2026-02-20" not in days and "2026-04-02" not in days
    assert len(days) == 31 and days["2026-03-31"] == {
        "day": "2026-03-31",
        "sent": 0,
        "delivered": 0,
        "failed": 0,
    }


def test_it_computes_reply_self_service_and_handoff_figures(session, book):
    figures = kpis.dashboard(session, book)
    # Contacted by lender-initiated messages: A, B, C. Only A wrote after being contacted.
    assert figures["replies"] == {"contacted": 3, "replied": 1, "rate": 0.3333}
    # Conversations with a borrower message in March: A's (its handoff was in February), C's
    # (handed off in March).
    assert figures["self_service"] == {"conversations": 2, "self_served": 1, "rate": 0.5}
    # Opened in March: 3 cases; waits 600 s and 1800 s; one still waiting.
    assert figures["handoffs"] == {
        "opened": 3,
        "claimed": 2,
        "still_waiting": 1,
        "avg_wait_seconds": 1200,
        "max_wait_seconds": 1800,
    }


def test_it_computes_arrangement_payment_opt_out_and_block_figures(session, book):
    figures = kpis.dashboard(session, book)
    assert figures["promises"] == {
        "made": 2,
        "amount_promised": Decimal("125.50"),
        "kept": 1,
        "broken": 1,
    }
    assert figures["plans"] == {"accepted": 1, "current": 1, "broken": 1}
    # A paid 100 after the 2 March contact; C paid 40 after the 20 February email (within the
    # 30-day lookback); B paid 10 before being contacted on 3 March.
    assert figures["payments"] == {
        "paid": Decimal("150.00"),
        "paid_after_contact": Decimal("140.00"),
    }
    # B opted out twice in March (one borrower); A's opt-out is in April. 1 of 3 contacted.
    assert figures["opt_outs"] == {"opted_out": 1, "rate": 0.3333}
    assert figures["blocked_by_rule"] == {"contact_window": 2, "weekly_cap": 1}


def test_it_shows_the_dashboard_with_figures_and_chart_data(client, session, book):
    login(client, make_officer(session, "supervisor"))
    page = client.get("/audit/kpis?date_from=2026-03-01&date_to=2026-03-31")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="kpi-reply-rate">33.3%' in html and 'id="kpi-paid">140.00' in html
    assert "vendor/chartjs/chart.umd.js" in html and 'id="kpi-data"' in html
    script = client.get("/static/vendor/chartjs/chart.umd.js")
    script.close()  # a file response: release the handle
    assert script.status_code == 200


def test_it_names_a_bad_dashboard_date(client, session):
    login(client, make_officer(session, "auditor"))
    page = client.get("/audit/kpis?date_from=March")
    assert page.status_code == 400
    assert "date_from: a date as YYYY-MM-DD" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("date_to=9999-12-31", "date_to"),  # "the day after" overflowed: a 500 (finding 20)
        ("date_from=0001-01-01&date_to=0001-01-02", "date_from"),
        ("date_from=²⁰²⁶-01-01", "date_from"),
    ],
)
def test_it_answers_400_naming_a_far_or_crafted_dashboard_date(client, session, query, name):
    login(client, make_officer(session, "auditor"))
    page = client.get("/audit/kpis?" + query)
    assert page.status_code == 400
    assert f"{name}: a date as YYYY-MM-DD between 1900-01-01 and 2200-12-31" in page.get_data(
        as_text=True
    )


def test_it_refuses_the_dashboard_to_an_officer(client, session):
    login(client, make_officer(session, "officer"))
    assert client.get("/audit/kpis").status_code == 403
