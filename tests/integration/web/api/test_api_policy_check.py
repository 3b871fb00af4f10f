"""The contact-policy check over HTTP answers exactly what the command answers."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.servers import ROOT, SHARED

URL = "/api/v1/policy/check"
EXAMPLES = SHARED / "contracts" / "policy-check-examples.jsonl"
BROKEN = [
    {"id": "B1", "now": "2026-05-04T12:30:00Z", "channel": "fax", "borrower": {"country": "US"}},
    {
        "id": "B2",
        "now": "2026-05-04T12:30:00Z",
        "channel": "sms",
        "borrower": {"country": "US"},
        "history": [{"channel": "sms", "at": "yesterday"}],
    },
    ["not", "a", "scenario"],
]


def _command(lines: list[str]) -> list[dict]:
    done = subprocess.run(
        [sys.executable, "-m", "outreach.policy", "check"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_it_answers_each_public_example_as_the_command_does(client, auth):
    scenarios = [json.loads(line) for line in EXAMPLES.read_text().splitlines() if line.strip()]
    expected = _command([json.dumps(s) for s in scenarios])
    for scenario, answer in zip(scenarios, expected, strict=True):
        resp = client.post(URL, json=scenario, headers=auth)
        assert resp.status_code == 200, resp.json
        assert resp.json == answer
        assert {k: answer[k] for k in scenario["expect"]} == scenario["expect"]


def test_an_array_is_answered_line_by_line_like_the_command(client, auth):
    scenarios = [json.loads(line) for line in EXAMPLES.read_text().splitlines()[:3]] + BROKEN
    resp = client.post(URL, json=scenarios, headers=auth)
    assert resp.status_code == 200
    assert resp.json == _command([json.dumps(s) for s in scenarios])


def test_a_scenario_that_cannot_be_decided_is_422_naming_the_field(client, auth):
    resp = client.post(URL, json=BROKEN[1], headers=auth)
    assert resp.status_code == 422
    assert resp.headers["Content-Type"] == "application/problem+json"
    (cli,) = _command([json.dumps(BROKEN[1])])
    assert (resp.json["id"], resp.json["error"]) == (cli["id"], cli["error"])
    assert resp.json["errors"][0]["pointer"] == "/history/0/at"
