"""Outbound events since a cursor: the webhook bodies, in order, paged, nothing skipped."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from outreach.arrangements.agreements import record_promise
from tests.support.api_clients import bearer, new_key
from tests.support.factories import make_borrower

URL = "/api/v1/events"


def _promise(session, borrower, clock):
    today = borrower.today(clock.now())
    record_promise(
        session,
        borrower.loans[0],
        today + timedelta(days=3),
        Decimal("50.00"),
        created_by="bot",
        today=today,
    )
    session.commit()


def test_it_pages_through_the_events_and_resumes_from_the_cursor(client, session, clock, auth):
    first, second = make_borrower(session), make_borrower(session, phone="+13125550111")
    for borrower in (first, second, first):
        _promise(session, borrower, clock)

    page = client.get(URL, query_string={"limit": 2}, headers=auth).json
    assert [e["type"] for e in page["items"]] == ["promise.created", "promise.created"]
    assert page["items"][0]["data"]["loan_number"] == first.loans[0].loan_number
    assert page["has_more"] is True
    rest = client.get(URL, query_string={"cursor": page["next_cursor"]}, headers=auth).json
    assert [e["type"] for e in rest["items"]] == ["promise.created"]
    assert rest["has_more"] is False
    ids = [e["id"] for e in page["items"] + rest["items"]]
    assert len(set(ids)) == 3 and all(i.startswith("evt_") for i in ids)

    _promise(session, second, clock)  # a new event after the last page: the cursor finds it
    later = client.get(URL, query_string={"cursor": rest["next_cursor"]}, headers=auth).json
    assert [e["data"]["loan_number"] for e in later["items"]] == [second.loans[0].loan_number]


def test_it_filters_by_type_and_refuses_a_cursor_it_never_handed_out(client, session, clock, auth):
    _promise(session, make_borrower(session), clock)
    none = client.get(URL, query_string={"type": "payment.received"}, headers=auth).json
    assert none["items"] == []
    bad = client.get(URL, query_string={"cursor": "not-ours"}, headers=auth)
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert "cursor" in bad.get_data(as_text=True)


def test_it_needs_the_events_read_scope(app, client):
    narrow = new_key(app, "loans-only", scopes=("loans:write",))
    assert client.get(URL, headers=bearer(narrow)).status_code == 403
    assert client.get(URL).status_code == 401
