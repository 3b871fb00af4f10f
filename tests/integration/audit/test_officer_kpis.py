"""Officer KPIs against a small data set whose figures were worked out by hand (see comments)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from outreach.audit import kpis
from outreach.audit.officer_kpis import officer_kpis
from outreach.models import (
    BorrowerFlag,
    CaseAssignment,
    Conversation,
    HandoffCase,
    Loan,
    Message,
    Payment,
    PaymentPlan,
    PlanApproval,
    PromiseToPay,
)
from tests.support.factories import make_borrower
from tests.support.officers import login, make_officer


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def say(officer, conv, when):
    return Message(
        conversation_id=conv.id,
        borrower_id=conv.borrower_id,
        direction="out",
        channel=conv.channel,
        address=conv.address,
        sender="officer",
        initiated_by="borrower",
        officer_id=officer.id,
        body="x",
        status="delivered",
        created_at=when,
    )


def promise(loan, by, status, created, resolved=None):
    return PromiseToPay(
        loan_id=loan.id,
        borrower_id=loan.borrower_id,
        amount=Decimal("10.00"),
        promised_date=date(2026, 3, 20),
        status=status,
        created_by=by,
        created_at=created,
        resolved_at=resolved,
    )


def plan(loan, by, status, accepted, broken=None, completed=None):
    return PaymentPlan(
        loan_id=loan.id,
        borrower_id=loan.borrower_id,
        status=status,
        instalment_amount=Decimal("50.00"),
        instalment_count=3,
        frequency="monthly",
        start_date=date(2026, 3, 20),
        first_amount=Decimal("50.00"),
        total=Decimal("150.00"),
        created_by=by,
        created_at=accepted,
        accepted_at=accepted,
        broken_at=broken,
        completed_at=completed,
    )


@pytest.fixture
def team(session):
    o1 = make_officer(session, "officer")
    o2 = make_officer(session, "officer", email="two@lender.test")
    o2.name = "Officer Two"
    boss = make_officer(session, "supervisor")
    a = make_borrower(session, phone="+13125550101", external_id="A")
    b = make_borrower(session, phone="+13125550102", external_id="B")
    c = make_borrower(session, phone="+13125550103", external_id="C")
    loan = {x.external_id: session.query(Loan).filter_by(borrower_id=x.id).one() for x in (a, b, c)}
    conv = {
        x.external_id: Conversation(channel="sms", address=f"+1312555010{i}", borrower_id=x.id)
        for i, x in enumerate((a, b, c), 1)
    }
    session.add_all(conv.values())
    session.flush()

    def case(who, borrower, opened, claimed=None, closed=None, by=None):
        row = HandoffCase(
            conversation_id=conv[who].id,
            borrower_id=borrower.id,
            reason="human",
            opened_at=opened,
            claimed_by_id=by.id if by else None,
            claimed_at=claimed,
            closed_at=closed,
            status="closed" if closed else "claimed",
        )
        session.add(row)
        session.flush()
        return row

    # O1: case 1 claimed 10:10, answered 10:15 (300 s), closed 11:00 (3600 s from opening);
    # case 2 claimed 09:30, answered 09:40 (600 s), closed a day after opening (86400 s).
    case("A", a, at(3, 2, 10), at(3, 2, 10, 10), at(3, 2, 11), by=o1)
    case("B", b, at(3, 5, 9), at(3, 5, 9, 30), at(3, 6, 9), by=o1)
    case("A", a, at(2, 10), at(2, 10, 10, 5), at(2, 11), by=o1)  # February: not counted
    # O2: one case claimed in March, never answered.
    case("C", c, at(3, 10, 12), at(3, 10, 12, 5), by=o2)
    # A February case O2 claimed and a supervisor reassigned to O1 in March: an override of O2.
    moved = case("A", a, at(2, 20), at(2, 20, 10, 5), by=o1)
    session.add_all(
        [
            CaseAssignment(
                case_id=moved.id, officer_id=o2.id, assigned_by_id=o2.id, kind="claim", at=at(2, 20)
            ),
            CaseAssignment(
                case_id=moved.id,
                officer_id=o1.id,
                assigned_by_id=boss.id,
                kind="reassign",
                at=at(3, 12),
            ),
            say(o1, conv["A"], at(3, 2, 10, 15)),
            say(o1, conv["B"], at(3, 5, 9, 40)),
            say(o2, conv["A"], at(2, 15)),  # within the 30-day lookback of A's 6 March payment
            promise(loan["A"], f"officer:{o1.id}", "kept", at(3, 2), at(3, 6)),
            promise(loan["B"], f"officer:{o1.id}", "broken", at(2, 25), at(3, 5)),
            promise(loan["C"], f"officer:{o1.id}", "open", at(3, 11)),
            promise(loan["A"], "bot", "kept", at(3, 1), at(3, 7)),  # the bot's: nobody's
            promise(loan["C"], f"officer:{o2.id}", "kept", at(3, 10), at(3, 20)),
            plan(loan["A"], f"officer:{o1.id}", "current", at(3, 3)),
            plan(loan["B"], f"officer:{o1.id}", "broken", at(2, 10), broken=at(3, 15)),
            plan(loan["C"], f"officer:{o2.id}", "completed", at(3, 10), completed=at(3, 25)),
            plan(loan["C"], "bot", "current", at(3, 4)),
            Payment(loan_id=loan["A"].id, amount=Decimal("100.00"), paid_at=at(3, 6)),
            Payment(loan_id=loan["B"].id, amount=Decimal("10.00"), paid_at=at(3, 1)),  # before
            Payment(loan_id=loan["B"].id, amount=Decimal("50.00"), paid_at=at(3, 7)),
            Payment(loan_id=loan["C"].id, amount=Decimal("40.00"), paid_at=at(3, 20)),
            # B complained after O1 took the case; C before O2 did (not O2's).
            BorrowerFlag(borrower_id=b.id, flag="complaint", set_at=at(3, 8)),
            BorrowerFlag(borrower_id=c.id, flag="complaint", set_at=at(3, 9)),
        ]
    )
    for requester, status in ((o2, "rejected"), (o1, "approved")):
        session.add(
            PlanApproval(
                case_id=moved.id,
                loan_id=loan["A"].id,
                terms={},
                violations=["max_instalments"],
                requested_by_id=requester.id,
                status=status,
                decided_by_id=boss.id,
                decided_at=at(3, 14),
            )
        )
    session.commit()
    return o1, o2, boss, kpis.Range.of_dates(date(2026, 3, 1), date(2026, 3, 31))


def test_it_computes_each_officers_figures(session, team):
    o1, o2, boss, rng = team
    figures = officer_kpis(session, rng)
    by_id = {o["id"]: o for o in figures["officers"]}
    assert [o["name"] for o in figures["officers"]] == ["Officer", "Officer Two", "Supervisor"]
    one = by_id[o1.id]
    assert (one["cases"], one["first_response_seconds"]) == (2, 450)  # (300 + 600) / 2
    assert (one["resolved"], one["resolution_seconds"]) == (2, 45000)  # (3600 + 86400) / 2
    # Made in March: the kept one and the open one; resolved in March: 1 kept, 1 broken.
    assert (one["promises"], one["promises_kept"], one["promises_broken"]) == (2, 1, 1)
    assert one["promise_kept_rate"] == 0.5
    assert one["arrangements"] == {"plans": {"agreed": 1, "kept": 0, "broken": 1}}
    # A's 100 after O1's 2 March message, B's 50 after O1's 5 March one (B's 10 came before).
    assert one["recovered"] == Decimal("150.00")
    assert (one["complaints"], one["overrides"]) == (1, 0)
    two = by_id[o2.id]
    assert (two["cases"], two["first_response_seconds"], two["resolved"]) == (1, None, 0)
    assert (two["promises"], two["promise_kept_rate"]) == (1, 1.0)
    assert two["arrangements"] == {"plans": {"agreed": 1, "kept": 1, "broken": 0}}
    assert two["recovered"] == Decimal("100.00")  # A's payment, 19 days after O2's message
    assert (two["complaints"], two["overrides"]) == (0, 2)  # a rejected plan + a reassignment
    assert by_id[boss.id]["cases"] == 0 and by_id[boss.id]["recovered"] == Decimal("0.00")


def test_it_adds_up_the_team_counting_each_payment_once(session, team):
    _, _, _, rng = team
    t = officer_kpis(session, rng)["team"]
    assert (t["cases"], t["first_response_seconds"], t["resolution_seconds"]) == (3, 450, 45000)
    assert (t["promises"], t["promise_kept_rate"]) == (3, 0.6667)
    assert t["arrangements"] == {"plans": {"agreed": 2, "kept": 1, "broken": 1}}
    assert t["recovered"] == Decimal("150.00")  # A's 100 (two officers) once, B's 50
    assert (t["complaints"], t["overrides"]) == (1, 2)


def test_it_gives_an_officer_only_their_own_figures(session, team):
    o1, _, _, rng = team
    figures = officer_kpis(session, rng, officer_id=o1.id)
    assert [o["id"] for o in figures["officers"]] == [o1.id] and figures["team"] is None


def test_it_shows_an_officer_their_own_page_and_a_supervisor_everyones(client, session, team):
    o1, o2, boss, _ = team
    login(client, o1)
    page = client.get(f"/kpis/officers?date_from=2026-03-01&date_to=2026-03-31&officer={o2.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'id="officer-{o1.id}"' in html and f'id="officer-{o2.id}"' not in html
    assert "Team" not in html and "Officer Two" not in html
    assert client.get("/kpis/portfolio").status_code == 403
    client.post("/logout")
    login(client, boss)
    page = client.get("/kpis/officers?date_from=2026-03-01&date_to=2026-03-31")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Officer Two" in html and 'id="team-cases">3<' in html
    assert "vendor/chartjs/chart.umd.js" in html and 'id="officer-kpi-data"' in html
