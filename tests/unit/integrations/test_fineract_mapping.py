"""A Fineract loan as a loan-book row: statuses, arrears, the next instalment, the borrower id."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal

import pytest

from outreach.integrations.fineract.client import fineract_date
from outreach.integrations.fineract.mapping import Skip, loan_row
from tests.support.fake_fineract import SAMPLES

TODAY = date(2026, 11, 24)


def decimal_json(name: str):
    """A sample as the connector reads it: JSON numbers as Decimal."""
    return json.loads((SAMPLES / f"{name}.json").read_text(), parse_float=Decimal)


def row(loan=None, client=None, today=TODAY):
    return loan_row(
        loan or decimal_json("loan"),
        client or decimal_json("client"),
        country="US",
        locale="en_US",
        timezone="America/New_York",
        today=today,
    )


def test_it_maps_an_active_loan_in_arrears_to_a_delinquent_row():
    assert row() == {
        "external_id": "CUST-1001",
        "full_name": "Ana Torres",
        "locale": "en_US",
        "country": "US",
        "timezone": "America/New_York",
        "date_of_birth": "1986-04-12",
        "phone": "2025550147",
        "email": "ana.torres@example.com",
        "loan_number": "000000001",
        "product": "Personal Loan",
        "currency": "USD",
        "principal": "1200.000000",
        "outstanding": "900.000000",
        "past_due_amount": "300.000000",
        "days_past_due": "23",
        "next_due_date": "2026-12-01",
        "next_due_amount": "300.000000",
        "status": "delinquent",
    }


def test_it_takes_the_next_instalment_still_owing_on_or_after_today():
    assert row(today=date(2026, 12, 1))["next_due_date"] == "2026-12-01"
    assert row(today=date(2026, 12, 2))["next_due_date"] == "2027-01-01"
    assert row(today=date(2027, 1, 2))["next_due_date"] == ""


@pytest.mark.parametrize(
    ("status_id", "expected"),
    [
        (600, "paid"),
        (602, "paid"),
        (700, "paid"),
        (601, "charged_off"),
        (100, None),
        (200, None),
        (400, None),
        (500, None),
    ],
)
def test_it_maps_fineract_loan_statuses(status_id, expected):
    loan = decimal_json("loan")
    loan["status"] = {"id": status_id}
    mapped = row(loan)
    assert (mapped or {}).get("status") == expected
    if mapped:
        assert mapped["next_due_date"] == "" and mapped["days_past_due"] == "0"


def test_it_treats_a_charged_off_active_loan_and_a_loan_without_arrears():
    loan = decimal_json("loan")
    loan["chargedOff"] = True
    assert row(loan)["status"] == "charged_off"
    loan = decimal_json("loan")
    loan["inArrears"], loan["summary"]["totalOverdue"] = False, Decimal("0")
    assert row(loan)["status"] == "current"


def test_it_counts_days_past_due_from_the_overdue_date_without_a_delinquency_block():
    loan = decimal_json("loan")
    del loan["delinquent"]
    assert row(loan)["days_past_due"] == str((TODAY - date(2026, 11, 1)).days)


def test_it_gives_a_client_without_an_external_id_a_stable_one():
    client = decimal_json("client")
    del client["externalId"]
    assert row(client=client)["external_id"] == "fineract-client-1"


def test_it_refuses_a_group_loan_without_a_client():
    loan = copy.deepcopy(decimal_json("loan"))
    del loan["clientId"]
    with pytest.raises(Skip, match="group loan"):
        row(loan)


def test_it_reads_fineracts_date_forms():
    assert fineract_date([2026, 2, 3]) == date(2026, 2, 3)
    assert fineract_date("2026-02-03") == date(2026, 2, 3)
    assert fineract_date(None) is None
    with pytest.raises(ValueError):
        fineract_date({"y": 2026})
