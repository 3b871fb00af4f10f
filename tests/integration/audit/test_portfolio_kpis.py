"""Portfolio KPIs and the daily snapshot, against a small book worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from outreach.audit import kpis
from outreach.audit import log as audit
from outreach.audit.kpi_config import parse
from outreach.audit.portfolio_kpis import portfolio
from outreach.audit.snapshots import take_snapshot
from outreach.config_files import ConfigError
from outreach.models import Loan, LoanSnapshot, Message, Payment
from tests.support.factories import make_borrower
from tests.support.officers import login, make_officer

CONFIG = parse({"message_costs": {"USD": {"sms": "1.00", "whatsapp": "0.50", "email": "0.10"}}})


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def snap(loan, day, dpd, outstanding, past_due):
    return LoanSnapshot(
        day=day,
        loan_id=loan.id,
        days_past_due=dpd,
        outstanding=Decimal(outstanding),
        past_due_amount=Decimal(past_due),
        status="delinquent" if dpd else "current",
        currency="USD",
        taken_at=datetime.combine(day, datetime.min.time(), UTC),
    )


def sent(borrower, channel, when, status="delivered"):
    return Message(
        borrower_id=borrower.id,
        direction="out",
        channel=channel,
        address="+1",
        sender="scheduler",
        initiated_by="lender",
        body="x",
        status=status,
        created_at=when,
    )


@pytest.fixture
def book(session):
    people = [
        make_borrower(session, phone=f"+1312555011{i}", external_id=x) for i, x in enumerate("ABCD")
    ]
    a, b, c, d = people
    loans = [session.query(Loan).filter_by(borrower_id=p.id).one() for p in people]
    l1, l2, l3, l4 = loans
    feb, mid, mar = date(2026, 2, 28), date(2026, 3, 15), date(2026, 3, 31)
    session.add_all(
        [
            # 28 Feb (the opening and February's month end): current, 1-30, 31-60, 91+.
            snap(l1, feb, 0, "1000", "0"),
            snap(l2, feb, 15, "500", "100"),
            snap(l3, feb, 45, "800", "200"),
            snap(l4, feb, 95, "300", "300"),
            snap(l1, mid, 5, "1000", "50"),  # mid-month: neither an opening nor a month end
            # 31 March (the closing): 1-30, current (cured), 61-90, 91+.
            snap(l1, mar, 10, "1000", "50"),
            snap(l2, mar, 0, "400", "0"),
            snap(l3, mar, 75, "800", "300"),
            snap(l4, mar, 125, "300", "300"),
            Payment(loan_id=l2.id, amount=Decimal("100.00"), paid_at=at(3, 10)),
            Payment(loan_id=l3.id, amount=Decimal("50.00"), paid_at=at(3, 20)),
            Payment(loan_id=l1.id, amount=Decimal("50.00"), paid_at=at(3, 5)),  # was current
            Payment(loan_id=l4.id, amount=Decimal("99.00"), paid_at=at(4, 2)),  # April
            sent(a, "sms", at(3, 2)),
            sent(a, "sms", at(3, 9)),
            sent(b, "whatsapp", at(3, 3), status="sent"),
            sent(c, "sms", at(3, 4), status="blocked"),  # not a contact, costs nothing
            sent(d, "email", at(3, 6)),
        ]
    )
    session.commit()
    for who, when in ((a, at(3, 2, 12)), (c, at(3, 4, 12)), (b, at(2, 20))):
        audit.record(session, "bot", "identity.verified", borrower_id=who.id, at=when)
    session.commit()
    return kpis.Range.of_dates(date(2026, 3, 1), date(2026, 3, 31))


def test_it_computes_roll_rates_month_over_month(session, book):
    figures = portfolio(session, book, CONFIG)
    assert (figures["opening"], figures["closing"]) == ("2026-02-28", "2026-03-31")
    [march] = figures["roll_rates"]  # February has no month before it in the data
    assert (march["from"], march["to"]) == ("2026-02-28", "2026-03-31")
    moved = {(f, t): n for f, row in march["matrix"].items() for t, n in row.items() if n}
    assert moved == {
        ("current", "1-30"): 1,
        ("1-30", "current"): 1,
        ("31-60", "61-90"): 1,
        ("91+", "91+"): 1,
    }
    assert march["roll_forward"] == {
        "current": 1.0,
        "1-30": 0.0,
        "31-60": 1.0,
        "61-90": None,
        "91+": 0.0,
    }
    assert figures["buckets"] == {"current": 1, "1-30": 1, "31-60": 0, "61-90": 1, "91+": 1}


def test_it_computes_cure_par_and_recovery(session, book):
    figures = portfolio(session, book, CONFIG)
    assert figures["cure"] == {"in_arrears": 3, "cured": 1, "rate": 0.3333}
    # Open outstanding 2500; over 30 days: 800 + 300; over 90 days: 300.
    assert figures["par"] == {
        "USD": {
            "outstanding": Decimal("2500.00"),
            "at_risk_30": Decimal("1100.00"),
            "at_risk_90": Decimal("300.00"),
            "par30": 0.44,
            "par90": 0.12,
        }
    }
    # In arrears at the opening: 100 + 200 + 300 past due; paid on them in March: 100 + 50.
    assert figures["recovery"] == {
        "USD": {"arrears": Decimal("600.00"), "recovered": Decimal("150.00"), "rate": 0.25}
    }


def test_it_computes_right_party_contact_and_cost_per_amount_collected(session, book):
    figures = portfolio(session, book, CONFIG)
    # Contacted: A, B, D (C's only message was blocked); verified in March: A (and C).
    assert figures["right_party_contact"] == {"contacted": 3, "right_party": 1, "rate": 0.3333}
    assert set(figures["cost"]) == {"USD"}
    cost = figures["cost"]["USD"]
    assert cost["by_channel"]["sms"] == {
        "messages": 2,
        "unit_cost": Decimal("1.00"),
        "cost": Decimal("2.0000"),
    }
    # 2 x 1.00 + 0.50 + 0.10 = 2.60 over 200.00 paid in March.
    assert (cost["cost"], cost["collected"], cost["per_unit"]) == (
        Decimal("2.6000"),
        Decimal("200.00"),
        Decimal("0.0130"),
    )


def test_it_snapshots_each_loan_once_a_day(session):
    make_borrower(session, phone="+13125550199", external_id="S")
    assert take_snapshot(session, at(5, 1, 1)) == 1
    assert take_snapshot(session, at(5, 1, 23)) == 0  # the same UTC day: nothing new
    loan = session.query(Loan).one()
    loan.days_past_due = 16
    session.commit()
    assert take_snapshot(session, at(5, 2, 1)) == 1
    rows = session.query(LoanSnapshot).order_by(LoanSnapshot.day).all()
    assert [(r.day, r.days_past_due, r.outstanding) for r in rows] == [
        (date(2026, 5, 1), 15, Decimal("3210.55")),
        (date(2026, 5, 2), 16, Decimal("3210.55")),
    ]


def test_it_names_a_bad_cost_in_the_config():
    with pytest.raises(ConfigError, match=r"message_costs\.USD\.sms"):
        parse({"message_costs": {"USD": {"sms": "cheap"}}})
    with pytest.raises(ConfigError, match=r"risk_bands\.medium"):
        parse({"risk_bands": {"high": 0.3, "medium": 0.5}})


def test_it_shows_the_portfolio_page_to_supervisors(client, session, book):
    login(client, make_officer(session, "supervisor"))
    page = client.get("/kpis/portfolio?date_from=2026-03-01&date_to=2026-03-31")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="kpi-par30">44.0%' in html and 'id="kpi-cure">33.3%' in html
    assert 'id="portfolio-kpi-data"' in html
