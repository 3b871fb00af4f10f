"""Who may read and who may work a case: the holder works it, supervisors may (audited), other
officers neither touch it nor read it without giving a reason (security findings 4 and 33)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from outreach.models import (
    AuditEvent,
    BorrowerFlag,
    CaseNote,
    HandoffCase,
    Message,
    PaymentPlan,
    PlanApproval,
    PromiseToPay,
)
from tests.support.cases import handed_off, plan_form
from tests.support.officers import login, make_officer

pytestmark = pytest.mark.usefixtures("clock")


def with_cease_and_desist(session, case):
    session.add(BorrowerFlag(borrower_id=case.borrower_id, flag="cease_and_desist"))
    session.commit()


def work_on(client, case, promised_date):
    """Every casework form, posted as an officer would; the responses, followed."""
    loan = case.borrower.loans[0]
    base = f"/console/cases/{case.id}"
    forms = [
        ("notes", {"note": "paid in cash, close it"}),
        ("flags", {"flag": "cease_and_desist", "action": "clear"}),
        ("promise", {"loan_id": loan.id, "promised_date": promised_date}),
        ("plan", plan_form(loan)),
    ]
    return [
        client.post(f"{base}/{path}", data=data, follow_redirects=True).get_data(as_text=True)
        for path, data in forms
    ]


def nothing_changed(session):
    session.expire_all()
    flag = session.scalar(select(BorrowerFlag).where(BorrowerFlag.flag == "cease_and_desist"))
    return (
        flag.cleared_at is None
        and session.scalar(select(CaseNote)) is None
        and session.scalar(select(PromiseToPay)) is None
        and session.scalar(select(PaymentPlan)) is None
        and session.scalar(select(PlanApproval)) is None
    )


def a_day_ahead(clock):
    return (clock.now() + timedelta(days=3)).date().isoformat()


# --- working a case (finding 4) --------------------------------------------------------------


def test_it_refuses_casework_on_a_case_another_officer_holds(app, client, session, settings, clock):
    case = handed_off(session, settings)
    with_cease_and_desist(session, case)
    holder = app.test_client()
    login(holder, make_officer(session))
    holder.post(f"/console/cases/{case.id}/claim")
    login(client, make_officer(session, email="other@lender.test"))
    pages = work_on(client, case, a_day_ahead(clock))
    assert all("Another officer holds this case" in page for page in pages)
    assert nothing_changed(session)


def test_it_refuses_casework_on_a_closed_case(client, session, settings, clock):
    case = handed_off(session, settings)
    with_cease_and_desist(session, case)
    login(client, make_officer(session))
    client.post(f"/console/cases/{case.id}/claim")
    client.post(f"/console/cases/{case.id}/close")
    pages = work_on(client, case, a_day_ahead(clock))
    assert all("This case is closed" in page for page in pages)
    assert nothing_changed(session)
    client.post(f"/console/cases/{case.id}/reply", data={"body": "one more thing"})
    assert session.scalar(select(Message).where(Message.sender == "officer")) is None


def test_it_asks_for_a_claim_before_casework_on_a_queued_case(client, session, settings, clock):
    case = handed_off(session, settings)
    with_cease_and_desist(session, case)
    login(client, make_officer(session))
    pages = work_on(client, case, a_day_ahead(clock))
    assert all("Claim the case before working on it" in page for page in pages)
    assert nothing_changed(session)


def test_it_lets_a_supervisor_work_any_case_and_audits_each_override(
    app, client, session, settings, clock
):
    case = handed_off(session, settings)
    with_cease_and_desist(session, case)
    holder = make_officer(session)
    theirs = app.test_client()
    login(theirs, holder)
    theirs.post(f"/console/cases/{case.id}/claim")
    supervisor = make_officer(session, "supervisor")
    login(client, supervisor)
    client.post(f"/console/cases/{case.id}/notes", data={"note": "covering for the holder"})
    client.post(
        f"/console/cases/{case.id}/flags", data={"flag": "cease_and_desist", "action": "clear"}
    )
    client.post(f"/console/cases/{case.id}/reply", data={"body": "A supervisor here."})
    session.expire_all()
    assert session.scalar(select(CaseNote.officer_id)) == supervisor.id
    assert session.scalar(select(BorrowerFlag.cleared_at)) is not None
    assert session.scalar(select(Message.officer_id).where(Message.sender == "officer")) == (
        supervisor.id
    )
    overrides = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "case.supervisor_override")
    ).all()
    assert [e.details["action"] for e in overrides] == ["note", "flag", "reply"]
    assert {(e.actor, e.subject, e.details["holder_id"]) for e in overrides} == {
        (f"officer:{supervisor.id}", f"case:{case.id}", holder.id)
    }
    assert session.get(HandoffCase, case.id).claimed_by_id == holder.id  # still theirs


# --- reading a case (finding 33) -------------------------------------------------------------


def claimed_by_someone_else(app, session, settings):
    case = handed_off(session, settings)
    holder = app.test_client()
    login(holder, make_officer(session, email="holder@lender.test"))
    holder.post(f"/console/cases/{case.id}/claim")
    return case


def views_by(session, officer):
    return session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "borrower.viewed", AuditEvent.actor == f"officer:{officer.id}"
        )
    ).all()


def test_it_asks_why_before_showing_a_case_another_officer_holds(app, client, session, settings):
    case = claimed_by_someone_else(app, session, settings)
    officer = make_officer(session)
    login(client, officer)
    resp = client.get(f"/console/cases/{case.id}")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 403 and 'id="access-reason"' in page
    assert "Ana Garcia" not in page and "I need a person" not in page and "3,210.55" not in page
    assert (
        client.get(f"/console/cases/{case.id}", headers={"X-Requested-With": "poll"}).status_code
        == 403
    )
    assert views_by(session, officer) == []

    client.post(f"/console/cases/{case.id}/access", data={"reason": "covering a sick colleague"})
    resp = client.get(f"/console/cases/{case.id}")
    assert resp.status_code == 200 and "I need a person" in resp.get_data(as_text=True)
    reason = session.scalar(select(AuditEvent).where(AuditEvent.action == "case.access_justified"))
    assert reason.actor == f"officer:{officer.id}" and reason.subject == f"case:{case.id}"
    assert reason.details["reason"] == "covering a sick colleague"
    assert len(views_by(session, officer)) == 1
    # Reading is not working: the casework forms stay with the holder.
    assert 'id="casework-hint"' in resp.get_data(as_text=True)


def test_it_asks_again_once_the_stated_reason_is_old(app, client, session, settings, clock):
    case = claimed_by_someone_else(app, session, settings)
    login(client, make_officer(session))
    client.post(f"/console/cases/{case.id}/access", data={"reason": "customer called back"})
    assert client.get(f"/console/cases/{case.id}").status_code == 200
    for _ in range(2):  # keep the session itself alive with an action every 20 minutes
        clock.advance(minutes=20)
        client.get("/console/")
    assert client.get(f"/console/cases/{case.id}").status_code == 403


def test_it_wants_a_reason_that_says_something(app, client, session, settings):
    case = claimed_by_someone_else(app, session, settings)
    login(client, make_officer(session))
    resp = client.post(
        f"/console/cases/{case.id}/access", data={"reason": "   "}, follow_redirects=True
    )
    assert resp.status_code == 403 and "reason: say why you need this case" in resp.get_data(
        as_text=True
    )
    assert (
        session.scalar(select(AuditEvent).where(AuditEvent.action == "case.access_justified"))
        is None
    )


def test_it_asks_why_before_showing_a_closed_case_to_anyone_but_its_officer(
    app, client, session, settings
):
    case = handed_off(session, settings)
    holder = make_officer(session, email="holder@lender.test")
    theirs = app.test_client()
    login(theirs, holder)
    theirs.post(f"/console/cases/{case.id}/claim")
    theirs.post(f"/console/cases/{case.id}/close")
    assert theirs.get(f"/console/cases/{case.id}").status_code == 200  # their own, closed
    login(client, make_officer(session))
    assert client.get(f"/console/cases/{case.id}").status_code == 403


def test_it_shows_queued_cases_to_officers_and_every_case_to_supervisors(
    app, client, session, settings
):
    queued = handed_off(session, settings)
    login(client, make_officer(session))
    assert client.get(f"/console/cases/{queued.id}").status_code == 200
    client.post(f"/console/cases/{queued.id}/claim")
    supervisor = app.test_client()
    login(supervisor, make_officer(session, "supervisor"))
    assert supervisor.get(f"/console/cases/{queued.id}").status_code == 200
