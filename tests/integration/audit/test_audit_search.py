"""Auditor search: every filter, keyset pages, clear errors, streamed CSV/JSON exports."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from outreach.models import AuditEvent, Message
from tests.support.factories import make_borrower
from tests.support.officers import login, make_officer

T0 = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
def messages(session):
    ana = make_borrower(session, phone="+13125550101", full_name="Ana Garcia", external_id="A-1")
    ben = make_borrower(session, phone="+13125550102", full_name="Ben Okafor", external_id="B-2")
    officer = make_officer(session, "officer", email="olivia@lender.test")
    rows = [
        Message(
            borrower_id=ana.id,
            direction="out",
            channel="sms",
            address="+13125550101",
            sender="scheduler",
            initiated_by="lender",
            template="reminder_due",
            body='=HYPERLINK("x")',
            status="delivered",
            created_at=T0,
            decision={"allowed": True, "reasons": [], "rules_version": "US@1"},
        ),
        Message(
            borrower_id=ana.id,
            direction="out",
            channel="sms",
            address="+13125550101",
            sender="scheduler",
            initiated_by="lender",
            template="reminder_due",
            body="b",
            status="blocked",
            created_at=T0 + timedelta(days=1),
            decision={"allowed": False, "reasons": ["contact_window"], "rules_version": "US@1"},
        ),
        Message(
            borrower_id=ana.id,
            direction="in",
            channel="sms",
            address="+13125550101",
            sender="borrower",
            body="<script>alert(1)</script>",
            status="received",
            created_at=T0 + timedelta(days=2),
        ),
        Message(
            borrower_id=ben.id,
            direction="out",
            channel="whatsapp",
            address="+13125550102",
            sender="officer",
            officer_id=officer.id,
            initiated_by="borrower",
            body="hello",
            status="sent",
            created_at=T0 + timedelta(days=3),
            decision={
                "allowed": False,
                "reasons": ["contact_window_extra"],
                "rules_version": "US@1",
            },
        ),
    ]
    session.add_all(rows)
    session.commit()
    login_as = make_officer(session, "auditor")
    return {"ana": ana, "ben": ben, "officer": officer, "rows": rows, "auditor": login_as}


def ids(client, query: str) -> list[int]:
    with client.get("/audit/export.json?" + query) as response:
        assert response.status_code == 200
        return [m["id"] for m in json.loads(response.get_data(as_text=True))["messages"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("borrower=Ana", [2, 1, 0]),
        ("borrower=B-2", [3]),
        ("address=%2B1 312 555 0102", [3]),
        ("channel=whatsapp", [3]),
        ("direction=in", [2]),
        ("date_from=2026-05-05&date_to=2026-05-06", [2, 1]),
        ("template=reminder_due", [1, 0]),
        ("decision=blocked", [1]),
        ("decision=allowed", [3, 0]),
        ("reason=contact_window", [1]),  # not contact_window_extra
    ],
)
def test_it_filters_messages(client, messages, query, expected):
    login(client, messages["auditor"])
    assert ids(client, query) == [messages["rows"][i].id for i in expected]


def test_it_filters_by_officer(client, messages):
    login(client, messages["auditor"])
    assert ids(client, f"officer={messages['officer'].id}") == [messages["rows"][3].id]


def test_it_shows_results_escaped_and_pages_with_a_cursor(client, messages, monkeypatch):
    from outreach.web.audit import search

    monkeypatch.setattr(search, "PAGE_SIZE", 2)
    login(client, messages["auditor"])
    first = client.get("/audit/search?borrower=Ana").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in first and "<script>alert" not in first
    assert "blocked: contact_window" in first and 'id="next-page"' in first
    cursor = first.split('id="next-page" href="')[1].split('"')[0].replace("&amp;", "&")
    second = client.get(cursor).get_data(as_text=True)
    assert "=HYPERLINK" in second and "alert(1)" not in second
    assert 'id="next-page"' not in second


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date_from=05/04/2026", "date_from: a date as YYYY-MM-DD"),
        ("channel=fax", "channel: one of sms, whatsapp, email"),
        ("officer=olivia", "officer: an officer id"),
        ("address=call me", "address: a phone number in E.164"),
        ("date_from=2026-05-05&date_to=2026-05-01", "date_to: on or after date_from"),
        ("after=yesterday", "after: a cursor from a previous page"),
    ],
)
def test_it_names_the_bad_field(client, messages, query, message):
    login(client, messages["auditor"])
    page = client.get("/audit/search?" + query)
    assert page.status_code == 400
    assert message in page.get_data(as_text=True)


def test_it_exports_csv_with_decisions_and_neutralised_formulas(client, session, messages):
    login(client, messages["auditor"])
    with client.get("/audit/export.csv?borrower=Ana") as response:
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].startswith("attachment;")
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["id"] for r in rows] == [str(messages["rows"][i].id) for i in (2, 1, 0)]
    assert rows[1]["allowed"] == "False" and rows[1]["reasons"] == "contact_window"
    assert rows[1]["rules_version"] == "US@1" and rows[1]["borrower_external_id"] == "A-1"
    assert rows[2]["body"] == '\'=HYPERLINK("x")'
    exported = session.query(AuditEvent).filter_by(action="audit.exported").one()
    assert exported.details == {"format": "csv", "filter": {"borrower": "Ana"}}


def test_it_refuses_search_and_export_to_an_officer(client, messages):
    login(client, messages["officer"])
    assert client.get("/audit/search?borrower=Ana").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403


def test_it_exports_everything_held_on_one_borrower(client, session, messages):
    login(client, messages["auditor"])
    ana = messages["ana"]
    client.get(f"/audit/borrowers/{ana.id}")  # an access event, which the export must include
    response = client.get(f"/audit/borrowers/{ana.id}/subject-access.json")
    data = json.loads(response.get_data(as_text=True))
    assert data["borrower"]["full_name"] == "Ana Garcia"
    assert {m["id"] for m in data["records"]["messages"]} == {
        messages["rows"][i].id for i in (0, 1, 2)
    }
    assert data["records"]["loans"][0]["outstanding"] == "3210.55"
    assert data["records"]["contact_points"][0]["address"] == "+13125550101"
    assert "borrower.viewed" in [e["action"] for e in data["audit_events"]]
    assert client.get("/audit/borrowers/999999/subject-access.json").status_code == 404


def test_it_exports_from_the_command_line(runner, messages, tmp_path):
    out = tmp_path / "blocked.csv"
    result = runner.invoke(args=["audit", "export", "--filter", "decision=blocked", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["id"] for r in rows] == [str(messages["rows"][1].id)]
    bad = runner.invoke(args=["audit", "export", "--filter", "colour=red"])
    assert bad.exit_code != 0 and "filter: 'colour=red'" in bad.output


@pytest.mark.parametrize(
    ("query", "message"),
    [
        # Security review finding 20: each of these answered 500.
        ("officer=²", "officer: an officer id"),
        ("officer=99999999999999999999", "officer: an officer id"),
        ("date_to=9999-12-31", "date_to: a date as YYYY-MM-DD in the years 1900 to 2200"),
        ("date_from=0001-01-01", "date_from: a date as YYYY-MM-DD in the years 1900 to 2200"),
        ("after=2026-05-04T12:00:00%2B00:00~99999999999999999999", "after: a cursor"),
        ("after=2026-05-04T12:00:00~²", "after: a cursor"),
        ("after=0001-01-01T00:00:00%2B14:00~5", "after: a cursor"),
    ],
)
def test_it_answers_400_naming_a_crafted_search_parameter(client, messages, query, message):
    login(client, messages["auditor"])
    page = client.get("/audit/search?" + query)
    assert page.status_code == 400
    assert message in page.get_data(as_text=True)
    if not query.startswith("after="):
        export = client.get("/audit/export.csv?" + query)
        assert export.status_code == 400 and message in export.get_data(as_text=True)


@pytest.mark.parametrize("term", ["²", "99999999999999999999", "-1"])
def test_it_searches_a_borrower_term_that_is_not_an_id_by_name(client, messages, term):
    login(client, messages["auditor"])
    assert ids(client, "borrower=" + term) == []
    assert client.get("/audit/search?borrower=" + term).status_code == 200
