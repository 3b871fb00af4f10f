"""PAR30, PAR90 and collection efficiency per group and branch, against figures worked out by
hand (see the comments)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from outreach.audit import kpis
from outreach.audit.group_kpis import group_figures
from outreach.models import GroupMember, LoanGroup, Payment
from tests.support.factories import make_borrower
from tests.support.officers import login, make_officer

RANGE = kpis.Range.of_dates(date(2026, 11, 1), date(2026, 11, 30))


def member(session, group, n, *, outstanding, dpd, past_due, status="delinquent", paid=None):
    borrower = make_borrower(
        session,
        phone=f"+2547123990{n:02d}",
        external_id=f"B-{n}",
        country="KE",
        loan={
            "loan_number": f"KE-{n}",
            "currency": "KES",
            "outstanding": Decimal(outstanding),
            "days_past_due": dpd,
            "past_due_amount": Decimal(past_due),
            "status": status,
        },
    )
    session.add(GroupMember(group_id=group.id, borrower_id=borrower.id))
    for amount, when in paid or []:
        session.add(Payment(loan_id=borrower.loans[0].id, amount=Decimal(amount), paid_at=when))
    session.commit()


def book(session):
    upendo = LoanGroup(external_id="G-1", name="Upendo", branch="Nairobi")
    tumaini = LoanGroup(external_id="G-2", name="Tumaini", branch="Nairobi")
    jua = LoanGroup(external_id="G-3", name="Jua", branch="Nakuru")
    session.add_all([upendo, tumaini, jua])
    session.flush()
    in_range = datetime(2026, 11, 10, 9, tzinfo=UTC)
    before = datetime(2026, 10, 20, 9, tzinfo=UTC)
    # Upendo: portfolio 1000 + 3000 + 6000 = 10000; >30 days: 3000 + 6000; >90: 6000.
    member(session, upendo, 1, outstanding="1000.00", dpd=0, past_due="0.00", status="current",
           paid=[("400.00", in_range), ("999.00", before)])  # fmt: skip
    member(session, upendo, 2, outstanding="3000.00", dpd=45, past_due="300.00",
           paid=[("200.00", in_range)])  # fmt: skip
    member(session, upendo, 3, outstanding="6000.00", dpd=120, past_due="900.00")
    # A paid-off loan is outside the portfolio, but its payments in the range count.
    member(session, upendo, 4, outstanding="0.00", dpd=0, past_due="0.00", status="paid",
           paid=[("600.00", in_range)])  # fmt: skip
    # Tumaini: 2000, exactly 30 days late: not "more than 30".
    member(session, tumaini, 5, outstanding="2000.00", dpd=30, past_due="500.00",
           paid=[("500.00", in_range)])  # fmt: skip
    member(session, jua, 6, outstanding="500.00", dpd=95, past_due="500.00")


def test_par_and_collection_efficiency_per_group_and_branch(session):
    book(session)
    figures = group_figures(session, RANGE)
    groups = {row["name"]: row for row in figures["groups"]}
    upendo = groups["Upendo"]
    assert upendo["portfolio"] == Decimal("10000.00")
    assert (upendo["par30"], upendo["par90"]) == (0.9, 0.6)  # 9000/10000, 6000/10000
    # Collected 400 + 200 + 600 = 1200; arrears 300 + 900 = 1200: 1200 / 2400.
    assert upendo["collected"] == Decimal("1200.00") and upendo["collection_efficiency"] == 0.5
    tumaini = groups["Tumaini"]
    assert (tumaini["par30"], tumaini["par90"]) == (0.0, 0.0)
    assert tumaini["collection_efficiency"] == 0.5  # 500 / (500 + 500)
    assert (groups["Jua"]["par90"], groups["Jua"]["collection_efficiency"]) == (1.0, 0.0)

    branches = {row["name"]: row for row in figures["branches"]}
    nairobi = branches["Nairobi"]
    # 12000 portfolio; >30: 9000 -> 0.75; >90: 6000 -> 0.5; 1700 / (1700 + 1700) -> 0.5.
    assert nairobi["portfolio"] == Decimal("12000.00")
    assert (nairobi["par30"], nairobi["par90"], nairobi["collection_efficiency"]) == (
        0.75,
        0.5,
        0.5,
    )
    assert branches["Nakuru"]["currency"] == "KES"


def test_the_dashboard_shows_the_group_figures(client, session):
    book(session)
    login(client, make_officer(session, "auditor"))
    page = client.get("/audit/kpis?date_from=2026-11-01&date_to=2026-11-30").get_data(as_text=True)
    assert "Groups and branches" in page
    assert "Upendo" in page and "90.0%" in page and "Nakuru" in page
