"""Audit CSV exports are safe to open in a spreadsheet; JSON keeps the exact values
(security review finding 11)."""

from __future__ import annotations

import csv
import io
import json

from outreach.models import Message
from tests.support.factories import make_borrower
from tests.support.officers import login, make_officer

HOSTILE_ID = '=HYPERLINK("https://evil.test","id")'


def _hostile(session) -> Message:
    borrower = make_borrower(session, external_id=HOSTILE_ID)
    message = Message(
        borrower_id=borrower.id,
        direction="in",
        channel="sms",
        address="+13125550100",
        sender="borrower",
        body="ok;=1+1",
        error="x|@SUM(A1)",
        status="received",
    )
    session.add(message)
    session.commit()
    return message


def test_it_neutralises_every_text_cell_of_the_csv_export(client, session):
    _hostile(session)
    login(client, make_officer(session, "auditor"))
    with client.get("/audit/export.csv") as response:
        assert response.status_code == 200
        (row,) = csv.DictReader(io.StringIO(response.get_data(as_text=True)))
    assert row["borrower_external_id"] == "'" + HOSTILE_ID
    assert row["body"] == "ok;'=1+1"
    assert row["error"] == "x|'@SUM(A1)"
    assert row["address"] == "'+13125550100"


def test_it_neutralises_the_command_line_csv_export(runner, session, tmp_path):
    _hostile(session)
    out = tmp_path / "all.csv"
    result = runner.invoke(args=["audit", "export", "-o", str(out)])
    assert result.exit_code == 0, result.output
    (row,) = csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))
    assert row["borrower_external_id"] == "'" + HOSTILE_ID and row["body"] == "ok;'=1+1"


def test_it_keeps_the_exact_values_in_the_json_export(client, session):
    _hostile(session)
    login(client, make_officer(session, "auditor"))
    with client.get("/audit/export.json") as response:
        (message,) = json.loads(response.get_data(as_text=True))["messages"]
    assert message["borrower_external_id"] == HOSTILE_ID
    assert (message["body"], message["error"]) == ("ok;=1+1", "x|@SUM(A1)")
    assert message["address"] == "+13125550100"
