"""Arrangements changed since a cursor: every change once, in order, paged, nothing skipped."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from outreach.arrangements.agreements import record_promise
from tests.support.factories import make_borrower

URL = "/api/v1/arrangements/changes"


def _promise(session, borrower, clock, amount: str):
    today = borrower.today(clock.now())
    promise = record_promise(
        session,
        borrower.loans[0],
        today + timedelta(days=3),
        Decimal(amount),
        created_by="bot",
        today=today,
    )
    session.commit()
    return promise


def _all_pages(client, auth, cursor=None, limit=2):
    seen, pages = [], 0
    while True:
        query = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        body = client.get(URL, query_string=query, headers=auth).json
        seen += [(i["kind"], i["id"], i["status"], i["change"]["action"]) for i in body["items"]]
        cursor, pages = body["next_cursor"], pages + 1
        if not body["has_more"]:
            return seen, cursor, pages


def test_it_pages_through_every_change_and_resumes_from_the_cursor(client, session, clock, auth):
    borrower = make_borrower(session)
    first = _promise(session, borrower, clock, "100")
    second = _promise(session, borrower, clock, "150")  # cancels the first
    seen, cursor, pages = _all_pages(client, auth)
    assert pages == 2
    assert seen == [
        ("promise", first.id, "cancelled", "promise.cancelled"),
        ("promise", second.id, "open", "promise.recorded"),
    ]
    # Nothing new: the same cursor comes back with an empty page.
    nothing = client.get(URL, query_string={"cursor": cursor}, headers=auth).json
    assert (nothing["items"], nothing["next_cursor"]) == ([], cursor)

    clock.advance(hours=1)
    paid = client.post(
        "/api/v1/payments",
        json={
            "loan_number": borrower.loans[0].loan_number,
            "reference": "TXN-1",
            "amount": "150.00",
            "currency": "USD",
        },
        headers=auth,
    )
    assert paid.status_code == 201
    later, _cursor, _pages = _all_pages(client, auth, cursor)
    assert later == [("promise", second.id, "kept", "promise.kept")]
    item = client.get(URL, query_string={"cursor": cursor}, headers=auth).json["items"][0]
    assert item["borrower_external_id"] == borrower.external_id
    assert item["loan_number"] == borrower.loans[0].loan_number
    assert item["amount"] == "150.00"


def test_it_refuses_a_cursor_it_did_not_hand_out(client, auth):
    for bad in ("nope", "YTEuLTE", "%%%", "YTEu" + "OTk" * 10):
        resp = client.get(URL, query_string={"cursor": bad}, headers=auth)
        assert resp.status_code == 422, bad
        assert resp.json["errors"] == [
            {"parameter": "cursor", "detail": "not a cursor this API handed out"}
        ]
