"""The loan book in through the API: the CSV import's rules, per-item results, good items kept."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from sqlalchemy import func, select

from outreach.integrations.loan_book import MAX_ITEMS
from outreach.models import Borrower, ContactPoint, Loan
from tests.support.api_clients import loan_item

URL = "/api/v1/loan-book"


def test_it_keeps_the_good_items_and_names_each_bad_field(client, session, auth):
    items = [
        loan_item(1),
        loan_item(2, principal="12,000"),  # a thousands separator: the CSV refuses it too
        loan_item(3),
        loan_item(4, country="UK", full_name=42),  # a wrong type and a wrong code
        "not an object",
        loan_item(6, currency="XTS"),
    ]
    resp = client.post(URL, json={"items": items}, headers=auth)
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert body["summary"] == {
        "received": 6,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": 4,
    }
    assert [r["outcome"] for r in body["items"]] == [
        "created",
        "rejected",
        "created",
        "rejected",
        "rejected",
        "rejected",
    ]
    pointers = [e["pointer"] for e in body["errors"]]
    assert pointers == ["/items/1/principal", "/items/3/full_name", "/items/4", "/items/5/currency"]
    assert body["items"][1]["errors"] == [
        {"pointer": "/items/1/principal", "detail": "not an amount (like 1234.50): '12,000'"}
    ]
    assert session.scalars(select(Borrower.external_id).order_by(Borrower.id)).all() == [
        "CUST-000001",
        "CUST-000003",
    ]
    loan = session.scalar(select(Loan).where(Loan.loan_number == "LN-00000001"))
    assert (loan.outstanding, loan.days_past_due, loan.status) == (
        Decimal("3210.55"),
        15,
        "delinquent",
    )
    phones = session.scalars(select(ContactPoint.address).where(ContactPoint.channel == "sms"))
    assert set(phones) == {"+13125550100"}  # national format normalised to E.164, as the CSV


def test_it_applies_the_import_rules_a_loan_never_moves_and_one_loan_is_one_item(
    client, session, auth
):
    client.post(URL, json={"items": [loan_item(1)]}, headers=auth)
    items = [
        loan_item(2, loan_number="LN-00000001"),  # another borrower's loan
        loan_item(3, loan_number="LN-00000003"),
        loan_item(4, loan_number="LN-00000003"),  # twice in one request
    ]
    body = client.post(URL, json={"items": items}, headers=auth).json
    assert [r["outcome"] for r in body["items"]] == ["rejected", "created", "rejected"]
    assert "is another borrower's loan" in body["items"][0]["errors"][0]["detail"]
    assert body["items"][2]["errors"] == [
        {
            "pointer": "/items/2/loan_number",
            "detail": "'LN-00000003' appears twice in this request (first at /items/1); "
            "one loan, one item",
        }
    ]
    owner = session.scalar(
        select(Borrower.external_id).join(Loan).where(Loan.loan_number == "LN-00000001")
    )
    assert owner == "CUST-000001"


def test_it_updates_what_changed_and_leaves_the_rest(client, session, auth):
    client.post(URL, json={"items": [loan_item(1), loan_item(2)]}, headers=auth)
    again = [loan_item(1), loan_item(2, outstanding=3000, days_past_due=0, status="current")]
    body = client.post(URL, json={"items": again}, headers=auth).json
    assert [r["outcome"] for r in body["items"]] == ["unchanged", "updated"]
    loan = session.scalar(select(Loan).where(Loan.loan_number == "LN-00000002"))
    assert (loan.outstanding, loan.status) == (Decimal("3000.00"), "current")


def test_it_keeps_json_numbers_exact_and_refuses_ones_no_column_holds(client, session, auth):
    items = [
        loan_item(1, outstanding="@1234.57", principal=5000),
        loan_item(2, outstanding="@1e400"),
        loan_item(3, principal="@" + "9" * 1000),
        loan_item(4, days_past_due=True),
        loan_item(5, days_past_due=1.5),
    ]
    # Written as JSON text so the numbers reach the server exactly as a client writes them.
    raw = re.sub(r'"@([0-9.e]+)"', r"\1", json.dumps({"items": items}))
    resp = client.post(URL, data=raw, content_type="application/json", headers=auth)
    assert resp.status_code == 200, resp.json
    results = resp.json["items"]
    assert results[0]["outcome"] == "created"
    assert session.scalar(select(Loan.outstanding)) == Decimal("1234.57")
    assert [r["errors"][0]["pointer"] for r in results[1:]] == [
        "/items/1/outstanding",
        "/items/2/principal",
        "/items/3/days_past_due",
        "/items/4/days_past_due",
    ]


def test_it_refuses_a_request_without_items_or_with_too_many(client, auth):
    for body, detail in (
        ({}, "required: an array of loan-book items"),
        ({"items": []}, "from 1 to 10,000 items (got 0)"),
        ({"items": "x"}, "required: an array of loan-book items"),
        ([loan_item(1)], "must be a JSON object with an items array"),
    ):
        resp = client.post(URL, json=body, headers=auth)
        assert resp.status_code == 422, body
        assert resp.headers["Content-Type"] == "application/problem+json"
        assert resp.json["errors"][0]["detail"] == detail
    many = {"items": [{}] * (MAX_ITEMS + 1)}
    resp = client.post(URL, json=many, headers=auth)
    assert resp.status_code == 422
    assert resp.json["errors"] == [
        {"pointer": "/items", "detail": "from 1 to 10,000 items (got 10,001)"}
    ]


def test_it_upserts_ten_thousand_items_in_one_request(client, session, auth):
    items = [loan_item(n) for n in range(MAX_ITEMS)]
    resp = client.post(URL, json={"items": items}, headers=auth)
    assert resp.status_code == 200
    assert resp.json["summary"]["created"] == MAX_ITEMS
    assert session.scalar(select(func.count(Loan.id))) == MAX_ITEMS
