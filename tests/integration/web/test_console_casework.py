"""Console casework: capacity and reassignment, notes, flags, promises, plans (supervisor approval
outside policy), WhatsApp templates outside the 24-hour session, the live queue, the web channel."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from outreach import clock as app_clock
from outreach.models import (
    AuditEvent,
    BorrowerFlag,
    CaseAssignment,
    CaseNote,
    HandoffCase,
    Message,
    OfficerCapacity,
    PaymentPlan,
    PlanApproval,
    PromiseToPay,
)
from tests.support.cases import handed_off, plan_form
from tests.support.channels import FakeChannels
from tests.support.factories import make_borrower
from tests.support.officers import login, make_officer

# The app's clock stands still at a fixed instant in every test here.
pytestmark = pytest.mark.usefixtures("clock")


def test_it_refuses_a_claim_beyond_the_officers_capacity(client, session, settings):
    first = handed_off(session, settings)
    officer = make_officer(session)
    session.add(OfficerCapacity(officer_id=officer.id, max_open_cases=1))
    session.commit()
    borrower = make_borrower(session, phone="+13125550111")
    second_conv = first.conversation.__class__(
        channel="sms", address="+13125550111", borrower_id=borrower.id
    )
    session.add(second_conv)
    session.flush()
    second = HandoffCase(
        conversation_id=second_conv.id, borrower_id=borrower.id, reason="requested"
    )
    session.add(second)
    session.commit()
    login(client, officer)
    client.post(f"/console/cases/{first.id}/claim")
    resp = client.post(f"/console/cases/{second.id}/claim", follow_redirects=True)
    assert b"You already hold 1 open cases" in resp.data
    session.expire_all()
    assert session.get(HandoffCase, second.id).status == "open"


def test_it_lets_a_supervisor_reassign_but_not_an_officer(client, session, settings):
    case = handed_off(session, settings)
    officer = make_officer(session)
    other = make_officer(session, email="other@lender.test")
    supervisor = make_officer(session, "supervisor")
    login(client, officer)
    client.post(f"/console/cases/{case.id}/claim")
    assert (
        client.post(f"/console/cases/{case.id}/reassign", data={"officer_id": other.id}).status_code
        == 403
    )
    client.post("/logout")
    login(client, supervisor)
    queue = client.get("/console/").get_data(as_text=True)
    assert f'id="reassign-{case.id}"' in queue
    client.post(f"/console/cases/{case.id}/reassign", data={"officer_id": other.id})
    session.expire_all()
    assert session.get(HandoffCase, case.id).claimed_by_id == other.id
    kinds = session.scalars(select(CaseAssignment.kind).order_by(CaseAssignment.id)).all()
    assert kinds == ["claim", "reassign"]


def test_it_keeps_notes_and_flags_with_their_history(client, session, settings):
    case = handed_off(session, settings)
    officer = make_officer(session)
    login(client, officer)
    client.post(f"/console/cases/{case.id}/claim")
    client.post(f"/console/cases/{case.id}/notes", data={"note": "<b>asked</b> for a call"})
    client.post(f"/console/cases/{case.id}/flags", data={"flag": "dispute_open", "action": "set"})
    page = client.get(f"/console/cases/{case.id}").get_data(as_text=True)
    assert "&lt;b&gt;asked&lt;/b&gt;" in page and "<b>asked</b>" not in page
    assert "dispute_open ✓" in page
    client.post(f"/console/cases/{case.id}/flags", data={"flag": "dispute_open", "action": "clear"})
    bad = client.post(
        f"/console/cases/{case.id}/flags", data={"flag": "deceased"}, follow_redirects=True
    )
    assert b"flag: one of" in bad.data
    flag = session.scalar(select(BorrowerFlag))
    assert flag.flag == "dispute_open" and flag.cleared_at is not None
    assert session.scalar(select(CaseNote.body)) == "<b>asked</b> for a call"
    actions = session.scalars(select(AuditEvent.action)).all()
    assert {"case.note_added", "flag.set", "flag.cleared"} <= set(actions)


def test_it_records_a_promise_and_names_the_bad_field(client, session, settings):
    case = handed_off(session, settings)
    login(client, make_officer(session))
    client.post(f"/console/cases/{case.id}/claim")
    loan = case.borrower.loans[0]
    resp = client.post(
        f"/console/cases/{case.id}/promise",
        data={"loan_id": loan.id, "promised_date": "yesterday"},
        follow_redirects=True,
    )
    assert b"promised_date: a date like" in resp.data
    day = (app_clock.now() + timedelta(days=3)).date().isoformat()
    client.post(
        f"/console/cases/{case.id}/promise",
        data={"loan_id": loan.id, "promised_date": day, "amount": "100.00"},
    )
    promise = session.scalar(select(PromiseToPay))
    assert promise.promised_date.isoformat() == day and str(promise.amount) == "100.00"


def test_it_stores_a_plan_within_policy_at_once(client, session, settings):
    case = handed_off(session, settings)
    officer = make_officer(session)
    login(client, officer)
    client.post(f"/console/cases/{case.id}/claim")
    client.post(f"/console/cases/{case.id}/plan", data=plan_form(case.borrower.loans[0]))
    plan = session.scalar(select(PaymentPlan))
    assert plan.created_by == f"officer:{officer.id}" and plan.outside_policy is False


def test_it_sends_a_plan_outside_policy_to_a_supervisor(client, session, settings):
    case = handed_off(session, settings)
    officer, supervisor = make_officer(session), make_officer(session, "supervisor")
    login(client, officer)
    client.post(f"/console/cases/{case.id}/claim")
    loan = case.borrower.loans[0]
    resp = client.post(
        f"/console/cases/{case.id}/plan",
        data=plan_form(loan, instalment_amount="5.00", instalment_count="84"),
        follow_redirects=True,
    )
    assert b"sent to a supervisor" in resp.data and b"Within policy: " in resp.data
    queue = client.get("/console/").get_data(as_text=True)
    assert 'id="approvals"' not in queue  # officers do not decide proposals
    assert session.scalar(select(PaymentPlan)) is None
    approval = session.scalar(select(PlanApproval))
    assert (
        client.post(
            f"/console/cases/{case.id}/plan-approvals/{approval.id}", data={"decision": "approve"}
        ).status_code
        == 403
    )
    client.post("/logout")
    login(client, supervisor)
    assert 'id="approvals"' in client.get("/console/").get_data(as_text=True)
    client.post(
        f"/console/cases/{case.id}/plan-approvals/{approval.id}", data={"decision": "approve"}
    )
    plan = session.scalar(select(PaymentPlan))
    assert plan.outside_policy is True and plan.approved_by_id == supervisor.id
    session.refresh(approval)
    assert approval.status == "approved" and approval.plan_id == plan.id


def test_it_offers_only_templates_outside_the_whatsapp_session(client, session, settings):
    case = handed_off(session, settings, channel="whatsapp")
    old = app_clock.now() - timedelta(hours=30)
    for m in session.scalars(select(Message)):
        m.created_at = old
    session.commit()
    login(client, make_officer(session))
    client.post(f"/console/cases/{case.id}/claim")
    page = client.get(f"/console/cases/{case.id}").get_data(as_text=True)
    assert 'id="template-form"' in page and 'name="body"' not in page
    assert "whatsapp_session_closed" in page
    # A freeform body posted anyway is refused by the policy engine, and logged as blocked.
    client.post(f"/console/cases/{case.id}/reply", data={"body": "hi"})
    blocked = session.scalar(select(Message).where(Message.sender == "officer"))
    assert blocked.status == "blocked" and "whatsapp_session_closed" in blocked.decision["reasons"]


def test_it_sends_an_approved_whatsapp_template_through_the_apps_channels(
    app, client, session, settings
):
    provider = FakeChannels()
    app.extensions["channels"] = provider  # what create_app hands the console
    case = handed_off(session, settings, channel="whatsapp")
    old = app_clock.now() - timedelta(hours=30)
    for m in session.scalars(select(Message)):
        m.created_at = old
    session.commit()
    officer = make_officer(session)
    login(client, officer)
    client.post(f"/console/cases/{case.id}/claim")
    variables = {"lender": "Demo Lender", "amount": "120.00", "due_date": "1 December"}
    client.post(
        f"/console/cases/{case.id}/reply",
        data={"template": "payment_reminder", "var_link": "https://x.test/c"}
        | {f"var_{name}": value for name, value in variables.items()},
    )
    ((channel, to, _body, kwargs),) = provider.sent
    assert (channel, to) == ("whatsapp", case.conversation.address)
    assert kwargs["content_sid"] == "HX00000000000000000000000000000001"
    assert kwargs["content_variables"] == {
        "1": "Demo Lender",
        "2": "120.00",
        "3": "1 December",
        "4": "https://x.test/c",
    }
    sent = session.scalar(select(Message).where(Message.sender == "officer"))
    assert (sent.status, sent.template, sent.officer_id) == (
        "queued",
        "payment_reminder",
        officer.id,
    )
    assert sent.decision["facts"]["message"]["kind"] == "template"
    logged = session.scalar(select(AuditEvent).where(AuditEvent.action == "message.out"))
    assert logged.actor == f"officer:{officer.id}" and logged.subject == f"message:{sent.id}"


def test_it_shows_the_segment_counter_for_sms_replies(client, session, settings):
    case = handed_off(session, settings)
    login(client, make_officer(session))
    client.post(f"/console/cases/{case.id}/claim")
    page = client.get(f"/console/cases/{case.id}").get_data(as_text=True)
    assert "data-sms" in page and 'id="segments"' in page


def test_it_marks_queue_cases_where_the_borrower_wrote_last(client, session, settings):
    case = handed_off(session, settings)
    login(client, make_officer(session))
    page = client.get("/console/").get_data(as_text=True)
    assert 'class="waiting"' in page and 'id="notify"' in page
    assert f'data-key="{case.id}-' in page


def test_it_audits_each_visit_but_not_every_poll(client, session, settings):
    case = handed_off(session, settings)
    login(client, make_officer(session))
    client.get(f"/console/cases/{case.id}")
    for _ in range(3):
        client.get(f"/console/cases/{case.id}", headers={"X-Requested-With": "poll"})
    views = session.scalars(select(AuditEvent).where(AuditEvent.action == "borrower.viewed")).all()
    assert len(views) == 1


def test_it_refuses_an_officer_reply_once_the_web_session_is_over(client, session, settings):
    case = handed_off(session, settings)
    conv = case.conversation
    conv.channel = "web"
    for m in session.scalars(select(Message)):
        m.created_at, m.channel = app_clock.now() - timedelta(hours=2), "web"
    session.commit()
    login(client, make_officer(session))
    client.post(f"/console/cases/{case.id}/claim")
    page = client.get(f"/console/cases/{case.id}").get_data(as_text=True)
    assert "web_session_closed" in page
    client.post(f"/console/cases/{case.id}/reply", data={"body": "are you there?"})
    sent = session.scalar(select(Message).where(Message.sender == "officer"))
    assert sent.status == "blocked" and sent.decision["reasons"] == ["web_session_closed"]


def test_it_names_crafted_casework_numbers_and_dates(client, session, settings):
    case = handed_off(session, settings)
    login(client, make_officer(session))
    client.post(f"/console/cases/{case.id}/claim")  # only the holder works a case
    loan = case.borrower.loans[0]
    for loan_id in ("²", str(2**64)):  # "²" passed isdigit and failed int (finding 20)
        resp = client.post(
            f"/console/cases/{case.id}/promise",
            data={"loan_id": loan_id, "promised_date": "2026-12-01"},
            follow_redirects=True,
        )
        assert b"loan_id: choose one of this borrower&#39;s loans." in resp.data, loan_id
    for over in ({"instalment_count": "²"}, {"instalment_count": "9" * 30}):
        resp = client.post(
            f"/console/cases/{case.id}/plan", data=plan_form(loan, **over), follow_redirects=True
        )
        assert b"instalment_count: a whole number" in resp.data, over
    for field in ("start_date",):
        resp = client.post(
            f"/console/cases/{case.id}/plan",
            data=plan_form(loan, **{field: "9999-12-31"}),
            follow_redirects=True,
        )
        assert resp.status_code == 200 and f"{field}: ".encode() in resp.data
    resp = client.post(
        f"/console/cases/{case.id}/promise",
        data={"loan_id": loan.id, "promised_date": "9999-12-31"},
        follow_redirects=True,
    )
    assert resp.status_code == 200 and b"promised_date: " in resp.data
    assert (
        session.scalar(select(PaymentPlan)) is None and session.scalar(select(PromiseToPay)) is None
    )


def test_it_sends_the_borrower_a_payment_link_from_the_case(client, session, settings):
    case = handed_off(session, settings)
    officer = make_officer(session)
    login(client, officer)
    loan = case.borrower.loans[0]
    assert b"Request a payment" not in client.get(f"/console/cases/{case.id}").data  # unclaimed
    client.post(f"/console/cases/{case.id}/claim")
    assert b"Request a payment" in client.get(f"/console/cases/{case.id}").data
    resp = client.post(
        f"/console/cases/{case.id}/payment-request",
        data={"loan_id": loan.id},
        follow_redirects=True,
    )
    assert b"Payment request sent." in resp.data
    msg = session.scalar(select(Message).where(Message.template == "payment_request"))
    assert msg.channel == "sms" and msg.officer_id == officer.id and msg.loan_id == loan.id
    assert f"{settings.public_base_url}/pay/" in msg.body  # the borrower's one payment link
    assert loan.loan_number not in msg.body and loan.loan_number[-4:] in msg.body
    token = msg.body.rsplit("/pay/", 1)[1].split()[0]
    opened = client.get(f"/pay/{token}")  # demo mode: on to the sandbox payment page
    assert opened.status_code == 302 and "/sandbox/pay/" in opened.headers["Location"]
    page = client.get(opened.headers["Location"].removeprefix(settings.public_base_url))
    assert page.status_code == 200 and "••••1234" in page.get_data(as_text=True)
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "payment.requested"))
    assert event.actor == f"officer:{officer.id}" and event.details["loan_id"] == loan.id


def test_it_refuses_a_payment_request_for_another_borrowers_loan(client, session, settings):
    case = handed_off(session, settings)
    other = make_borrower(session, phone="+13125550199")
    login(client, make_officer(session))
    client.post(f"/console/cases/{case.id}/claim")
    resp = client.post(
        f"/console/cases/{case.id}/payment-request",
        data={"loan_id": other.loans[0].id},
        follow_redirects=True,
    )
    assert b"loan_id: choose one of this borrower" in resp.data
    assert session.scalar(select(Message).where(Message.template == "payment_request")) is None
