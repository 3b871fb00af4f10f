"""Parked payments resolved by a supervisor: matched with exactly the effects of a payment matched
on arrival, or marked refunded; once; and what ``payments list`` prints for them."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from outreach.models import AuditEvent, Message, OutboxItem, Payment, PromiseToPay, ProviderPayment
from outreach.payments import parked
from tests.support.factories import make_borrower
from tests.support.officers import make_officer
from tests.support.payment_calls import post_stripe
from tests.support.payment_signing import stripe_session_event


def pay(client, clock, loan_number, cents, intent, currency="usd") -> str:
    response = post_stripe(
        client, clock, stripe_session_event(loan_number, cents, currency, intent=intent)
    )
    assert response.status_code == 200, response.data
    return response.get_json()["status"]


def parked_row(session, intent) -> ProviderPayment:
    return session.scalars(select(ProviderPayment).where(ProviderPayment.reference == intent)).one()


def arrange(session, borrower, clock) -> tuple[PromiseToPay, OutboxItem]:
    """A promise of 100.00 in three days and a pending reminder asking for 100.00."""
    loan = borrower.loans[0]
    ptp = PromiseToPay(
        loan_id=loan.id,
        borrower_id=borrower.id,
        amount=Decimal("100.00"),
        promised_date=borrower.today(clock.now()) + timedelta(days=3),
        created_by="bot",
    )
    item = OutboxItem(
        idempotency_key=f"loan:{loan.id}:d15",
        borrower_id=borrower.id,
        loan_id=loan.id,
        channel="sms",
        address=borrower.contact_points[0].address,
        template="reminder_due",
        body="You owe ...",
        payload={"kind": "cadence", "amount": "100.00", "currency": "USD", "channels": ["sms"]},
    )
    session.add_all([ptp, item])
    session.commit()
    return ptp, item


def effects(session, borrower) -> dict:
    """What a payment moved for ``borrower``, in terms independent of ids and references."""
    session.expire_all()
    loan = borrower.loans[0]
    return {
        "payments": [
            (p.amount, p.paid_at)
            for p in session.scalars(select(Payment).where(Payment.loan_id == loan.id))
        ],
        "promises": [
            p.status
            for p in session.scalars(select(PromiseToPay).where(PromiseToPay.loan_id == loan.id))
        ],
        "reminders": [
            (o.status, o.last_error)
            for o in session.scalars(select(OutboxItem).where(OutboxItem.loan_id == loan.id))
        ],
        "receipts": [
            m.body
            for m in session.scalars(
                select(Message).where(
                    Message.borrower_id == borrower.id, Message.template == "payment_receipt"
                )
            )
        ],
        "received_events": session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.borrower_id == borrower.id, AuditEvent.action == "payment.received"
            )
        ).all(),
    }


def test_it_gives_a_matched_parked_payment_exactly_the_effects_of_one_matched_on_arrival(
    app, client, session, settings, clock
):
    on_arrival = make_borrower(session)
    typo = make_borrower(session, phone="+13125550111")
    arrange(session, on_arrival, clock)
    arrange(session, typo, clock)
    supervisor = make_officer(session, "supervisor")
    clock.advance(hours=1)

    assert pay(client, clock, on_arrival.loans[0].loan_number, 10000, "pi_right") == "applied"
    assert pay(client, clock, "LN-TYPO-99", 10000, "pi_typo") == "review"
    row = parked_row(session, "pi_typo")
    assert effects(session, typo)["payments"] == []
    clock.advance(minutes=30)

    done = parked.match(
        session,
        row.id,
        typo.loans[0].loan_number,
        clock.now(),
        officer_id=supervisor.id,
        settings=settings,
        channels=app.extensions["channels"],
    )

    assert (done.status, done.loan_id, len(done.reminders_cancelled)) == (
        "applied",
        typo.loans[0].id,
        1,
    )
    assert effects(session, typo) == effects(session, on_arrival)
    assert effects(session, typo)["promises"] == ["kept"]
    assert effects(session, typo)["reminders"] == [("cancelled", "payment_received")]
    assert len(effects(session, typo)["receipts"]) == 1
    session.refresh(row)
    assert (row.status, row.loan_id, row.resolved_by_id, row.resolved_at) == (
        "applied",
        typo.loans[0].id,
        supervisor.id,
        clock.now(),
    )
    matched = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "payment.matched")
    ).one()
    assert (matched.actor, matched.subject, matched.borrower_id) == (
        f"officer:{supervisor.id}",
        f"provider_payment:{row.id}",
        typo.id,
    )
    assert matched.details["reason"] == "unknown_loan"
    assert matched.details["loan_number"] == "LN-TYPO-99"
    assert matched.details["matched_to"] == typo.loans[0].loan_number


def test_it_matches_a_typed_number_without_its_dashes_or_case(
    app, client, session, settings, clock
):
    borrower = make_borrower(session, loan={"loan_number": "KE-0042-AB"})
    supervisor = make_officer(session, "supervisor")
    pay(client, clock, "nobody", 5000, "pi_loose")
    done = parked.match(
        session,
        parked_row(session, "pi_loose").id,
        " ke0042ab ",
        clock.now(),
        officer_id=supervisor.id,
        settings=settings,
        channels=app.extensions["channels"],
    )
    assert done.loan_id == borrower.loans[0].id


def test_it_refuses_a_loan_in_another_currency_and_changes_nothing(
    app, client, session, settings, clock
):
    borrower = make_borrower(session)  # a USD loan
    supervisor = make_officer(session, "supervisor")
    assert pay(client, clock, "LN-ELSEWHERE", 4000, "pi_euro", "eur") == "review"
    row = parked_row(session, "pi_euro")

    with pytest.raises(parked.ResolutionRefused, match="in USD and this payment is in EUR"):
        parked.match(
            session,
            row.id,
            borrower.loans[0].loan_number,
            clock.now(),
            officer_id=supervisor.id,
            settings=settings,
            channels=app.extensions["channels"],
        )
    session.expire_all()
    assert (row.status, row.loan_id, row.resolved_at) == ("review", None, None)
    assert session.scalars(select(Payment)).all() == []
    assert (
        session.scalars(select(AuditEvent).where(AuditEvent.action == "payment.matched")).all()
        == []
    )


def test_it_refuses_an_unknown_or_empty_loan_number_naming_the_field(
    app, client, session, settings, clock
):
    supervisor = make_officer(session, "supervisor")
    pay(client, clock, "LN-NOBODY", 4000, "pi_nobody")
    row = parked_row(session, "pi_nobody")
    for typed, says in (
        ("LN-STILL-NOBODY", "no loan has that number"),
        ("  ", "type the loan number"),
    ):
        with pytest.raises(parked.ResolutionRefused, match=f"loan_number: {says}"):
            parked.match(
                session,
                row.id,
                typed,
                clock.now(),
                officer_id=supervisor.id,
                settings=settings,
                channels=app.extensions["channels"],
            )
    session.refresh(row)
    assert row.status == "review"


def test_it_resolves_a_parked_payment_once_even_from_a_page_loaded_before(
    app, client, session, settings, clock
):
    borrower = make_borrower(session)
    first, second = make_officer(session, "supervisor"), make_officer(session, "admin")
    pay(client, clock, "LN-TYPO", 4000, "pi_once")
    row_id = parked_row(session, "pi_once").id
    with app.extensions["sessions"]() as other:
        stale = other.get(ProviderPayment, row_id)  # the second supervisor's view: still review
        assert stale.status == "review"

        parked.match(
            session,
            row_id,
            borrower.loans[0].loan_number,
            clock.now(),
            officer_id=first.id,
            settings=settings,
            channels=app.extensions["channels"],
        )
        with pytest.raises(parked.ResolutionRefused, match="already resolved"):
            parked.refund(
                other, row_id, "sent back by M-Pesa reversal", clock.now(), officer_id=second.id
            )
        with pytest.raises(parked.ResolutionRefused, match="already resolved"):
            parked.match(
                other,
                row_id,
                borrower.loans[0].loan_number,
                clock.now(),
                officer_id=second.id,
                settings=settings,
                channels=app.extensions["channels"],
            )
    session.expire_all()
    assert len(session.scalars(select(Payment)).all()) == 1
    row = session.get(ProviderPayment, row_id)
    assert (row.status, row.resolved_by_id, row.resolution_note) == ("applied", first.id, None)


def test_it_marks_a_payment_refunded_with_a_required_note_and_never_applies_it(
    app, client, session, settings, clock
):
    borrower = make_borrower(session)
    supervisor = make_officer(session, "supervisor")
    assert pay(client, clock, borrower.loans[0].loan_number, 4000, "pi_gbp", "gbp") == "review"
    row = parked_row(session, "pi_gbp")

    with pytest.raises(parked.ResolutionRefused, match=r"^note: "):
        parked.refund(session, row.id, "   ", clock.now(), officer_id=supervisor.id)
    done = parked.refund(
        session, row.id, "Refunded in Stripe on 24 Nov", clock.now(), officer_id=supervisor.id
    )

    assert done.status == "refunded"
    session.expire_all()
    assert (row.status, row.payment_id, row.resolution_note) == (
        "refunded",
        None,
        "Refunded in Stripe on 24 Nov",
    )
    assert session.scalars(select(Payment)).all() == []
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "payment.refunded")).one()
    assert (event.actor, event.borrower_id) == (f"officer:{supervisor.id}", borrower.id)
    assert event.details["note"] == "Refunded in Stripe on 24 Nov"
    assert event.details["reason"] == "currency"
    with pytest.raises(parked.ResolutionRefused, match="already resolved"):
        parked.match(
            session,
            row.id,
            borrower.loans[0].loan_number,
            clock.now(),
            officer_id=supervisor.id,
            settings=settings,
            channels=app.extensions["channels"],
        )


def test_it_lists_a_matched_payment_as_applied_and_a_refunded_one_as_refunded(
    app, client, session, settings, runner, clock
):
    borrower = make_borrower(session, loan={"loan_number": "LN-7700"})
    supervisor = make_officer(session, "supervisor")
    pay(client, clock, "LN-77OO", 2500, "pi_matched")  # letter O for zero: parked
    pay(client, clock, "LN-7700", 1200, "pi_refunded", "eur")  # another currency: parked
    parked.match(
        session,
        parked_row(session, "pi_matched").id,
        "LN-7700",
        clock.now(),
        officer_id=supervisor.id,
        settings=settings,
        channels=app.extensions["channels"],
    )
    parked.refund(
        session,
        parked_row(session, "pi_refunded").id,
        "EUR card refunded",
        clock.now(),
        officer_id=supervisor.id,
    )

    result = runner.invoke(args=["payments", "list", "--loan", borrower.loans[0].loan_number])

    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["reference"], r["amount"], r["currency"], r["status"]) for r in rows] == [
        ("pi_matched", "25.00", "USD", "applied"),
        ("pi_refunded", "12.00", "EUR", "refunded"),
    ]
