"""Back to Fineract: promises and plans as loan notes (once each), delinquency pauses only when
the lender enables them; Fineract's hooks behind a secret path token, a repayment posted as a
payment that moves arrangements and stops reminders."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from outreach.arrangements.agreements import create_plan, record_promise
from outreach.arrangements.limits import PlanTerms
from outreach.models import (
    FineractHook,
    FineractPush,
    Loan,
    OutboxItem,
    PromiseToPay,
    ProviderPayment,
)
from tests.conftest import make_settings
from tests.support.fake_fineract import FakeFineract
from tests.support.fineract_env import HOOK_TOKEN, fineract_env


@pytest.fixture
def fineract(clock):
    """The fake Fineract, its book standing where the test clock stands."""
    with FakeFineract(today=clock.now().date()) as fake:
        yield fake


@pytest.fixture
def settings(database_url, fineract):
    return make_settings(database_url, **fineract_env(fineract))


@pytest.fixture
def pulled(runner, session, fineract):
    """Fineract's loan 1 pulled in: our loan."""
    fineract.add_loan(1)
    assert runner.invoke(args=["fineract", "pull"]).exit_code == 0
    return session.scalar(select(Loan).where(Loan.loan_number == "000000001"))


def promise(session, loan, clock, days: int = 5, amount: str = "300.00") -> PromiseToPay:
    today = loan.borrower.today(clock.now())
    ptp = record_promise(
        session, loan, today + timedelta(days=days), Decimal(amount), created_by="bot", today=today
    )
    session.commit()
    return ptp


def push(runner):
    out = runner.invoke(args=["fineract", "push"])
    assert out.exit_code == 0, out.output
    return out


def enable_pause(app, database_url, fineract) -> None:
    app.extensions["settings"] = make_settings(
        database_url, **fineract_env(fineract, FINERACT_DELINQUENCY_PAUSE="1")
    )


def test_it_pushes_a_promise_back_as_a_loan_note_once(runner, session, fineract, pulled, clock):
    ptp = promise(session, pulled, clock)

    out = push(runner)

    assert "1 notes and 0 delinquency pauses pushed" in out.output
    [note] = fineract.notes[1]
    promised = ptp.promised_date.isoformat()
    assert note["note"].startswith(f"Outreach: promise to pay 300.00 USD by {promised}")
    assert note["note"].endswith(f"[outreach:promise:{ptp.id}]")
    assert fineract.actions.get(1) is None  # the lender has not enabled pauses
    assert push(runner).output.startswith("0 notes")
    assert len(fineract.notes[1]) == 1


def test_it_pushes_only_the_promise_that_replaced_an_earlier_one(
    runner, session, fineract, pulled, clock
):
    promise(session, pulled, clock, days=3)
    later = promise(session, pulled, clock, days=6, amount="150.00")  # cancels the first

    push(runner)

    assert [n["note"].rsplit(" ", 1)[-1] for n in fineract.notes[1]] == [
        f"[outreach:promise:{later.id}]"
    ]


def test_it_pauses_delinquency_for_an_agreed_holiday_only_when_enabled(
    runner, app, session, fineract, pulled, clock, database_url
):
    enable_pause(app, database_url, fineract)
    today = pulled.borrower.today(clock.now())
    ptp = promise(session, pulled, clock, days=6)

    out = push(runner)

    assert "1 notes and 1 delinquency pauses pushed" in out.output
    assert [(a["action"], a["startDate"], a["endDate"]) for a in fineract.actions[1]] == [
        ("PAUSE", today.isoformat(), ptp.promised_date.isoformat())
    ]
    pause = next(r for r in fineract.requests if r["path"].endswith("/delinquency-actions"))
    assert pause["body"] == {
        "action": "pause",
        "startDate": today.isoformat(),
        "endDate": ptp.promised_date.isoformat(),
        "dateFormat": "yyyy-MM-dd",
        "locale": "en",
    }
    row = session.scalar(select(FineractPush))
    assert (row.pause_status, row.pause_id) == ("done", fineract.actions[1][0]["id"])


def test_it_pushes_a_plan_and_keeps_fineracts_refusal_of_an_overlapping_pause(
    runner, app, session, fineract, pulled, clock, database_url
):
    enable_pause(app, database_url, fineract)
    today = pulled.borrower.today(clock.now())
    # The lender's own officer already paused this loan over the same days.
    start = today + timedelta(days=7)
    fineract.actions[1] = [
        {"id": 1, "action": "PAUSE", "startDate": today.isoformat(), "endDate": start.isoformat()}
    ]
    plan = create_plan(
        session,
        pulled,
        PlanTerms(
            instalment_amount=Decimal("100.00"),
            frequency="monthly",
            start_date=start,
            instalment_count=3,
        ),
        created_by="bot",
        today=today,
    )
    session.commit()

    out = runner.invoke(args=["fineract", "push"])

    assert out.exit_code == 0, out.output
    assert "1 notes and 0 delinquency pauses pushed, 1 refused" in out.output
    assert "cannot overlap with another pause period" in out.output
    [note] = fineract.notes[1]
    assert f"3 monthly instalments of 100.00 USD from {start.isoformat()}" in note["note"]
    row = session.scalar(select(FineractPush).where(FineractPush.arrangement_id == plan.id))
    assert row.pause_status == "refused" and "overlap" in row.error
    assert push(runner).output.startswith("0 notes and 0 delinquency pauses pushed, 0 refused")


def test_it_never_posts_a_note_twice_after_a_crash_between_posting_and_recording(
    runner, session, fineract, pulled, clock
):
    ptp = promise(session, pulled, clock)
    # A run posted the note, and died before recording Fineract's answer.
    session.add(
        FineractPush(
            kind="promise",
            arrangement_id=ptp.id,
            loan_id=pulled.id,
            fineract_loan_id=1,
            attempts=1,
            created_at=clock.now(),
        )
    )
    session.commit()
    fineract.notes[1] = [{"id": 90, "note": f"Outreach: ... [outreach:promise:{ptp.id}]"}]

    push(runner)

    assert len(fineract.notes[1]) == 1
    session.expire_all()
    assert session.scalar(select(FineractPush.note_id)) == 90


def test_it_keeps_what_is_not_pushed_while_fineract_is_down(
    runner, session, fineract, pulled, clock
):
    promise(session, pulled, clock)
    fineract.unavailable = True

    out = runner.invoke(args=["fineract", "push"])

    assert out.exit_code == 1 and "answered 503" in out.output
    fineract.unavailable = False
    assert "1 notes" in push(runner).output
    assert len(fineract.notes[1]) == 1


def hook(client, body, token=HOOK_TOKEN, entity="LOAN", action="REPAYMENT"):
    return client.post(
        f"/webhooks/fineract/{token}",
        json=body,
        headers={
            "X-Fineract-Entity": entity,
            "X-Fineract-Action": action,
            "Fineract-Platform-TenantId": "default",
        },
    )


def reminder(session, loan, amount: str) -> OutboxItem:
    item = OutboxItem(
        idempotency_key=f"cadence:{loan.id}:1",
        borrower_id=loan.borrower_id,
        loan_id=loan.id,
        channel="sms",
        address="+12025550101",
        template="reminder_due",
        body="You owe ...",
        status="pending",
        payload={"kind": "cadence", "amount": amount, "currency": "USD", "channels": ["sms"]},
    )
    session.add(item)
    session.commit()
    return item


def test_it_posts_a_repayment_hook_as_a_payment_and_refreshes_the_balance(
    client, session, fineract, pulled, clock
):
    ptp = promise(session, pulled, clock)
    item = reminder(session, pulled, "300.00")
    clock.advance(minutes=10)
    body = fineract.repay(1, 300.0)

    answer = hook(client, body)

    assert answer.status_code == 200 and answer.get_json() == {"status": "done"}
    [paid] = session.scalars(select(ProviderPayment)).all()
    assert (paid.provider, paid.reference, paid.amount, paid.status) == (
        "fineract",
        str(body["response"]["resourceId"]),
        Decimal("300.00"),
        "applied",
    )
    session.expire_all()
    loan = session.get(Loan, pulled.id)
    assert (loan.past_due_amount, loan.status) == (Decimal("0.00"), "current")
    assert session.get(PromiseToPay, ptp.id).status == "kept"
    assert session.get(OutboxItem, item.id).status == "cancelled"

    # Fineract never retries, but a hook sent twice changes nothing.
    assert hook(client, body).status_code == 200
    assert session.scalar(select(func.count()).select_from(ProviderPayment)) == 1


def test_it_believes_fineract_not_the_hooks_numbers(client, session, fineract, pulled, clock):
    body = fineract.repay(1, 300.0)
    body["request"]["transactionAmount"] = "99999"
    body["response"]["changes"]["transactionAmount"] = "99999"

    assert hook(client, body).status_code == 200

    assert session.scalar(select(ProviderPayment.amount)) == Decimal("300.00")


def test_it_answers_404_to_a_wrong_token_and_stores_nothing(client, session, fineract, pulled):
    body = fineract.repay(1, 300.0)

    assert hook(client, body, token="not-the-token").status_code == 404
    assert hook(client, body, token=HOOK_TOKEN[:-1]).status_code == 404
    assert session.scalar(select(func.count()).select_from(FineractHook)) == 0
    assert session.scalar(select(func.count()).select_from(ProviderPayment)) == 0


def test_it_answers_404_when_no_hook_token_is_configured(
    client, app, session, fineract, database_url
):
    env = fineract_env(fineract)
    env.pop("FINERACT_HOOK_TOKEN")
    app.extensions["settings"] = make_settings(database_url, **env)

    assert hook(client, {"response": {"loanId": 1}}, token="").status_code == 404
    assert hook(client, {"response": {"loanId": 1}}, token="anything").status_code == 404


def test_it_refuses_a_hook_that_is_not_json_or_lacks_its_headers(client, session, fineract):
    bad = client.post(
        f"/webhooks/fineract/{HOOK_TOKEN}",
        data="a=1",
        headers={"X-Fineract-Entity": "LOAN", "X-Fineract-Action": "REPAYMENT"},
    )
    assert bad.status_code == 400
    assert hook(client, {"response": {}}, entity="").status_code == 400
    assert session.scalar(select(func.count()).select_from(FineractHook)) == 0


def test_it_keeps_a_hook_while_fineract_is_down_and_acts_on_it_later(
    client, runner, session, fineract, pulled, clock
):
    body = fineract.repay(1, 300.0)
    fineract.unavailable = True

    answer = hook(client, body)

    assert answer.status_code == 200 and answer.get_json() == {"status": "pending"}
    assert session.scalar(select(FineractHook.status)) == "pending"
    assert session.scalar(select(func.count()).select_from(ProviderPayment)) == 0
    fineract.unavailable = False

    out = runner.invoke(args=["fineract", "sync"])

    assert out.exit_code == 0, out.output
    assert "1 hooks done" in out.output
    assert session.scalar(select(ProviderPayment.reference)) == str(body["response"]["resourceId"])


def test_it_keeps_other_entities_hooks_as_ignored(client, session, fineract):
    answer = hook(
        client,
        {"entityName": "CLIENT", "response": {"clientId": 1}},
        entity="CLIENT",
        action="CREATE",
    )

    assert answer.get_json() == {"status": "ignored"}
    assert session.scalar(select(FineractHook.status)) == "ignored"
    assert not fineract.requests  # nothing asked of Fineract


def test_it_builds_a_note_for_a_promise_without_an_amount_in_spanish(
    runner, app, session, fineract, pulled, clock, database_url
):
    app.extensions["settings"] = make_settings(
        database_url, **fineract_env(fineract, FINERACT_LOCALE="es")
    )
    today = pulled.borrower.today(clock.now())
    record_promise(session, pulled, today + timedelta(days=2), None, created_by="bot", today=today)
    session.commit()

    push(runner)

    assert fineract.notes[1][0]["note"].startswith(
        f"Outreach: promesa de pago para el {(today + timedelta(days=2)).isoformat()}"
    )
