"""The pre-legal review: approve, place, hold with a reason, return; automation stops in legal and
agency; the agency placement CSV; supervisors only on every route."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from outreach.campaigns.planner import plan
from outreach.campaigns.stops import batch_stop_reasons
from outreach.models import AuditEvent, OutboxItem
from outreach.models.stages import AccountStage, StageMove
from outreach.stages.evaluate import evaluate_stages, move
from outreach.stages.review import ReviewRefused, decide, queue
from tests.support.factories import make_borrower
from tests.support.letters import add_postal
from tests.support.officers import login, make_officer


def _pre_legal(session, clock, phone="+13125550100", dpd=15):
    borrower = make_borrower(session, phone=phone, loan={"days_past_due": dpd})
    loan = borrower.loans[0]
    move(session, None, loan, "pre_legal", "dpd_90", clock.now())
    session.commit()
    return borrower, loan


def test_it_approves_holds_and_returns_with_every_decision_audited(session, clock):
    supervisor = make_officer(session, "supervisor")
    _, held = _pre_legal(session, clock, "+13125550101")
    _, approved = _pre_legal(session, clock, "+13125550102")
    assert [i.loan.id for i in queue(session)] == [held.id, approved.id]
    with pytest.raises(ReviewRefused, match="reason: a hold needs a reason"):
        decide(session, held.id, "hold", clock.now(), officer_id=supervisor.id, reason="  ")
    decide(
        session,
        held.id,
        "hold",
        clock.now(),
        officer_id=supervisor.id,
        reason="Hardship call booked",
    )
    decide(session, approved.id, "approve", clock.now(), officer_id=supervisor.id)
    session.commit()
    assert session.get(AccountStage, approved.id).stage == "legal"
    row = session.get(AccountStage, held.id)
    assert (row.stage, row.review_status, row.review_reason) == (
        "pre_legal",
        "held",
        "Hardship call booked",
    )
    assert [i.loan.id for i in queue(session)] == [held.id]  # still waiting, marked held
    with pytest.raises(ReviewRefused, match="is not waiting"):
        decide(session, approved.id, "approve", clock.now(), officer_id=supervisor.id)
    events = {
        (e.action, e.details["loan_id"]): e
        for e in session.scalars(select(AuditEvent).where(AuditEvent.action.like("stage.%")))
    }
    assert events["stage.moved", approved.id].details["rule"] == "review:approve"
    assert events["stage.moved", approved.id].actor == f"officer:{supervisor.id}"
    assert events["stage.held", held.id].details["reason"] == "Hardship call booked"


def test_it_returns_an_account_to_collections_and_keeps_it_out_of_pre_legal_for_30_days(
    session, clock
):
    supervisor = make_officer(session, "supervisor")
    _, loan = _pre_legal(session, clock, dpd=95)
    decide(session, loan.id, "return", clock.now(), officer_id=supervisor.id, reason="Paying again")
    session.commit()
    assert session.get(AccountStage, loan.id).stage == "late"
    assert evaluate_stages(session, clock.now()).moves == []
    clock.advance(days=30)
    report = evaluate_stages(session, clock.now())
    assert report.moves == [(loan.id, "late", "pre_legal", "dpd_90")]


def test_it_stops_automated_reminders_in_legal_and_agency(session, clock):
    supervisor = make_officer(session, "supervisor")
    _, loan = _pre_legal(session, clock)
    planned = plan(session, clock.now())
    assert planned.queued == 1  # pre_legal still gets its reminder (15 days past due)
    item = session.scalars(select(OutboxItem)).one()
    decide(
        session, loan.id, "place", clock.now(), officer_id=supervisor.id, agency="Acme Recoveries"
    )
    session.commit()
    assert batch_stop_reasons(session, [item]) == {item.id: "account_stage"}
    clock.advance(days=1)
    assert plan(session, clock.now()).queued == 0


def test_it_exports_the_accounts_a_supervisor_placed(session, clock, client, app):
    supervisor = make_officer(session, "supervisor")
    borrower, loan = _pre_legal(session, clock)
    add_postal(session, borrower, "=HYPERLINK(1), Chicago")
    _, other = _pre_legal(session, clock, "+13125550109")
    decide(
        session,
        loan.id,
        "place",
        clock.now(),
        officer_id=supervisor.id,
        agency="Acme Recoveries",
        reason="No contact",
    )
    session.commit()
    login(client, supervisor)
    response = client.get("/console/stages/agency.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 1
    (row,) = rows
    assert (row["loan_number"], row["agency"], row["placed_by"]) == (
        loan.loan_number,
        "Acme Recoveries",
        supervisor.email,
    )
    assert (row["outstanding"], row["days_past_due"], row["reason"]) == (
        "3210.55",
        "15",
        "No contact",
    )
    assert row["postal_address"].startswith("'=")  # no formula for the agency's spreadsheet
    assert session.get(AccountStage, other.id).stage == "pre_legal"


def test_it_lets_only_supervisors_see_and_decide_the_stage_queue(session, clock, app):
    _, loan = _pre_legal(session, clock)
    officer, supervisor = make_officer(session, "officer"), make_officer(session, "supervisor")
    as_officer, as_supervisor = app.test_client(), app.test_client()
    login(as_officer, officer)
    login(as_supervisor, supervisor)
    assert as_officer.get("/console/stages").status_code == 403
    assert (
        as_officer.post(
            f"/console/stages/{loan.id}/decide", data={"decision": "approve"}
        ).status_code
        == 403
    )
    assert as_officer.get("/console/stages/agency.csv").status_code == 403
    assert as_officer.get(f"/console/loans/{loan.id}/stage").status_code == 403
    assert session.get(AccountStage, loan.id).stage == "pre_legal"
    page = as_supervisor.get("/console/stages")
    assert page.status_code == 200 and loan.loan_number in page.get_data(as_text=True)
    done = as_supervisor.post(f"/console/stages/{loan.id}/decide", data={"decision": "approve"})
    assert done.status_code == 302
    session.expire_all()
    assert session.get(AccountStage, loan.id).stage == "legal"
    moves = session.scalars(select(StageMove).where(StageMove.loan_id == loan.id)).all()
    assert [m.to_stage for m in moves] == ["pre_legal", "legal"]
    assert app.test_client().get("/console/stages").status_code in (302, 401)  # signed out


def test_it_refuses_an_unknown_decision_naming_the_field(session, clock):
    supervisor = make_officer(session, "supervisor")
    _, loan = _pre_legal(session, clock)
    with pytest.raises(ReviewRefused, match="decision: must be one of"):
        decide(
            session, loan.id, "sue", clock.now() + timedelta(minutes=1), officer_id=supervisor.id
        )
