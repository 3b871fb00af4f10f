"""``flask --app wsgi payments list --loan``: one JSON object a line (contracts/payments.md)."""

from __future__ import annotations

import json

from tests.support.factories import make_borrower
from tests.support.payment_calls import post_c2b, post_stripe
from tests.support.payment_signing import c2b_confirmation, stripe_session_event


def lines(result) -> list[dict]:
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def test_it_lists_applied_payments_and_parked_callbacks_naming_the_loan(
    client, session, runner, clock
):
    loan = make_borrower(session, loan={"loan_number": "KE-0042", "currency": "KES"}).loans[0]
    other = make_borrower(session, phone="+13125550111").loans[0]
    assert (
        post_c2b(client, c2b_confirmation("ke 0042", "150.50", trans_id="RKA1")).status_code == 200
    )
    clock.advance(minutes=1)
    wrong = stripe_session_event(loan.loan_number, 1000, "usd", intent="pi_wrong_currency")
    assert post_stripe(client, clock, wrong).status_code == 200  # a USD payment on a KES loan
    clock.advance(minutes=1)
    post_stripe(client, clock, stripe_session_event(other.loan_number, 500, intent="pi_other"))

    rows = lines(runner.invoke(args=["payments", "list", "--loan", "KE-0042"]))

    assert rows == [
        {
            "provider": "mpesa",
            "reference": "RKA1",
            "amount": "150.50",
            "currency": "KES",
            "status": "applied",
            "received_at": "2026-11-24T16:00:00+00:00",
        },
        {
            "provider": "stripe",
            "reference": "pi_wrong_currency",
            "amount": "10.00",
            "currency": "USD",
            "status": "review",
            "received_at": "2026-11-24T16:01:00+00:00",
        },
    ]


def test_a_parked_callback_names_a_loan_not_in_the_book_yet(client, session, runner, clock):
    assert post_c2b(client, c2b_confirmation("NEW-7", "20", trans_id="RKB2")).status_code == 200
    rows = lines(runner.invoke(args=["payments", "list", "--loan", "NEW7"]))
    assert [(r["reference"], r["status"]) for r in rows] == [("RKB2", "review")]


def test_an_unknown_loan_with_nothing_parked_is_an_error(runner, session):
    result = runner.invoke(args=["payments", "list", "--loan", "NOPE"])
    assert result.exit_code != 0 and "NOPE" in result.output
