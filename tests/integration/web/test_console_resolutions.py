"""Console: officers propose settlements, holidays and waivers; above the officer tier a
supervisor approves (the same flow as plans outside the limits); every step audited with the
limits in force and who decided."""

import pytest
from sqlalchemy import select

from outreach.models import AuditEvent, BorrowerFlag, Event, Resolution
from tests.support.cases import handed_off
from tests.support.officers import login, make_officer

pytestmark = pytest.mark.usefixtures("clock")


def _mid_bucket_case(session, settings):
    case = handed_off(session, settings)
    loan = case.borrower.loans[0]
    loan.days_past_due = 60  # mid bucket: bot 15 %, officer 20 %, supervisor 30 % off
    session.commit()
    return case, loan


def _propose(client, case, loan, **form):
    return client.post(
        f"/console/cases/{case.id}/resolutions",
        data={"loan_id": loan.id, **form},
        follow_redirects=True,
    ).get_data(as_text=True)


def test_an_officer_agrees_within_the_officer_tier_at_once(client, session, settings):
    case, loan = _mid_bucket_case(session, settings)
    officer = make_officer(session)
    login(client, officer)
    client.post(f"/console/cases/{case.id}/claim")
    page = _propose(client, case, loan, kind="settlement", amount="2600.00")
    assert "agreed." in page and "Settlement #" in page
    row = session.scalar(select(Resolution))
    assert (row.status, row.decided_by, row.tier) == (
        "accepted",
        f"officer:{officer.id}",
        "officer",
    )
    assert session.scalar(select(Event).where(Event.type == "settlement.accepted"))
    audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "settlement.accepted"))
    assert audit.details["limits_version"] == row.limits_version


def test_above_the_officer_tier_a_supervisor_decides(client, session, settings):
    case, loan = _mid_bucket_case(session, settings)
    officer, supervisor = make_officer(session), make_officer(session, "supervisor")
    login(client, officer)
    client.post(f"/console/cases/{case.id}/claim")
    assert "outside the limits" in _propose(client, case, loan, kind="settlement", amount="2000")
    assert session.scalar(select(Resolution)) is None
    assert "sent to a supervisor." in _propose(client, case, loan, kind="settlement", amount="2300")
    row = session.scalar(select(Resolution))
    assert (row.status, row.tier) == ("requested", "supervisor")
    page = client.post(
        f"/console/cases/{case.id}/resolutions/{row.id}",
        data={"decision": "approve"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "needs a supervisor decision" in page
    session.refresh(row)
    assert row.status == "requested"
    client.post("/logout")
    login(client, supervisor)
    assert 'id="resolution-requests"' in client.get("/console/").get_data(as_text=True)
    client.post(f"/console/cases/{case.id}/resolutions/{row.id}", data={"decision": "approve"})
    session.refresh(row)
    assert (row.status, row.decided_by) == ("accepted", f"supervisor:{supervisor.id}")
    audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "settlement.accepted"))
    assert audit.actor == f"supervisor:{supervisor.id}" and audit.details["tier"] == "supervisor"


def test_nothing_is_proposed_for_a_flagged_borrower(client, session, settings):
    case, loan = _mid_bucket_case(session, settings)
    session.add(BorrowerFlag(borrower_id=case.borrower_id, flag="bankruptcy"))
    session.commit()
    officer = make_officer(session)
    login(client, officer)
    client.post(f"/console/cases/{case.id}/claim")
    assert "not offered (borrower_flag)" in _propose(
        client, case, loan, kind="settlement", amount="3000"
    )
    assert session.scalar(select(Resolution)) is None


def test_a_bad_amount_names_the_field(client, session, settings):
    case, loan = _mid_bucket_case(session, settings)
    login(client, make_officer(session))
    client.post(f"/console/cases/{case.id}/claim")
    assert "amount: an amount like 120.00" in _propose(
        client, case, loan, kind="settlement", amount="lots"
    )
    assert "days: a whole number" in _propose(client, case, loan, kind="holiday", days="x")
