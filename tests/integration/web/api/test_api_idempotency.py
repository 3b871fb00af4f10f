"""Idempotency-Key: the first answer replayed, another body refused, per key, until expiry."""

from __future__ import annotations

import json

from sqlalchemy import select

from outreach.models import Borrower, IdempotencyRecord, Payment
from tests.support.api_clients import bearer, loan_item, new_key
from tests.support.factories import make_borrower


def _payment(borrower, **fields):
    return {
        "loan_number": borrower.loans[0].loan_number,
        "reference": "TXN-77",
        "amount": "50.00",
        "currency": "USD",
        **fields,
    }


def test_the_same_key_and_body_replay_the_first_answer(client, session, auth):
    headers = {**auth, "Idempotency-Key": "8d0c6f9e-retry-1"}
    item = loan_item(1)
    first = client.post("/api/v1/loan-book", json={"items": [item]}, headers=headers)
    # The same content, written differently (order, spacing): still the same request.
    reordered = dict(reversed(list(item.items())))
    raw = json.dumps({"items": [reordered]}, indent=4)
    again = client.post(
        "/api/v1/loan-book", data=raw, content_type="application/json", headers=headers
    )
    assert first.json["items"][0]["outcome"] == "created"
    assert (again.status_code, again.json) == (first.status_code, first.json)  # not "unchanged"
    assert again.headers["Idempotency-Replayed"] == "true"
    assert len(session.scalars(select(Borrower)).all()) == 1


def test_the_same_key_with_another_body_is_409_and_writes_nothing(client, session, auth):
    borrower = make_borrower(session)
    headers = {**auth, "Idempotency-Key": "pay-77"}
    assert (
        client.post("/api/v1/payments", json=_payment(borrower), headers=headers).status_code == 201
    )
    other = client.post(
        "/api/v1/payments", json=_payment(borrower, reference="TXN-78"), headers=headers
    )
    assert other.status_code == 409
    assert other.headers["Content-Type"] == "application/problem+json"
    assert len(session.scalars(select(Payment)).all()) == 1


def test_an_answer_that_refused_the_body_is_replayed_too(client, auth):
    headers = {**auth, "Idempotency-Key": "bad-1"}
    first = client.post("/api/v1/payments", json={"amount": "x"}, headers=headers)
    again = client.post("/api/v1/payments", json={"amount": "x"}, headers=headers)
    assert first.status_code == again.status_code == 422
    assert again.json == first.json and again.headers["Idempotency-Replayed"] == "true"


def test_keys_are_per_api_key_and_expire(app, client, session, clock, auth):
    borrower = make_borrower(session)
    other = bearer(new_key(app, "other-system"))
    headers = {"Idempotency-Key": "shared-name"}
    assert (
        client.post(
            "/api/v1/payments", json=_payment(borrower), headers={**auth, **headers}
        ).status_code
        == 201
    )
    # Another integration's key of the same name is its own: not a replay of the first.
    theirs = client.post(
        "/api/v1/payments", json=_payment(borrower, reference="TXN-9"), headers={**other, **headers}
    )
    assert theirs.status_code == 201 and "Idempotency-Replayed" not in theirs.headers
    clock.advance(hours=25)  # API_IDEMPOTENCY_HOURS is 24
    fresh = client.post(
        "/api/v1/payments", json=_payment(borrower, reference="TXN-10"), headers={**auth, **headers}
    )
    assert fresh.status_code == 201 and "Idempotency-Replayed" not in fresh.headers
    assert len(session.scalars(select(IdempotencyRecord)).all()) == 2  # the expired one went


def test_it_names_a_bad_idempotency_key(client, auth):
    resp = client.post("/api/v1/payments", json={}, headers={**auth, "Idempotency-Key": "x" * 256})
    assert resp.status_code == 422
    assert resp.json["errors"] == [
        {"parameter": "Idempotency-Key", "detail": "1 to 255 visible ASCII characters"}
    ]


def test_a_retry_racing_the_first_request_is_told_to_wait(session, clock):
    from datetime import timedelta

    from outreach.integrations import api_keys, idempotency

    row, _key = api_keys.create_key(session, "racer", ["payments:write"], clock.now(), "test")
    ttl = timedelta(hours=24)
    first = idempotency.begin(session, row.id, "k1", "print-a", clock.now(), ttl)
    racing = idempotency.begin(session, row.id, "k1", "print-a", clock.now(), ttl)
    assert first.record_id is not None and racing.conflict == "in_progress"
    idempotency.finish(session, first.record_id, idempotency.Stored(201, "application/json", "{}"))
    done = idempotency.begin(session, row.id, "k1", "print-a", clock.now(), ttl)
    assert done.replay == idempotency.Stored(201, "application/json", "{}")
