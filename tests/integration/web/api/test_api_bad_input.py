"""No input a client can send gets a 5xx: every refusal is problem+json naming what is wrong."""

from __future__ import annotations

import pytest

PROBLEM = "application/problem+json"


@pytest.mark.parametrize(
    ("data", "content_type", "status", "words"),
    [
        ("{bad", "application/json", 400, "not JSON"),
        ("[" * 100_000 + "]" * 100_000, "application/json", 400, "not JSON"),
        ('{"amount": NaN}', "application/json", 400, "NaN is not JSON"),
        ('{"amount": 1' + "0" * 5000 + "}", "application/json", 400, "not JSON"),
        (b"\xff\xfe{}", "application/json", 400, "not UTF-8"),
        ('{"loan_number": "x"}', "text/plain", 415, "application/json"),
        ("", "application/json", 422, "Missing data"),
        (
            '{"loan_number": "\\ud800", "reference": "R", "amount": "5", "currency": "USD"}',
            "application/json",
            400,
            "surrogate",
        ),
        ('{"loan_number": "\\ud83d\\ude00"}', "application/json", 422, "/reference"),
    ],
)
def test_a_malformed_body_is_a_problem_not_a_crash(client, auth, data, content_type, status, words):
    resp = client.post("/api/v1/payments", data=data, content_type=content_type, headers=auth)
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    assert resp.headers["Content-Type"] == PROBLEM
    assert words in resp.get_data(as_text=True)


@pytest.mark.parametrize(
    "body",
    [
        {"loan_number": ["x"], "reference": {}, "amount": None, "currency": 7},
        {"loan_number": "\u202eLN", "reference": "R", "amount": "5", "currency": "USD"},
        {"loan_number": "L" * 65, "reference": "R" * 41, "amount": "1" * 13, "currency": "ÜSD"},
        {"loan_number": "L", "reference": "R", "amount": 1e-7, "currency": "USD"},
        {
            "loan_number": "L",
            "reference": "R",
            "amount": "5",
            "currency": "USD",
            "paid_at": "9999-01-01T00:00:00Z",
        },
        {
            "loan_number": "L",
            "reference": "R",
            "amount": "5",
            "currency": "USD",
            "paid_at": "2026-01-01T00:00:00",
        },
    ],
)
def test_wrong_types_and_values_name_their_fields(client, auth, body):
    resp = client.post("/api/v1/payments", json=body, headers=auth)
    assert resp.status_code == 422, resp.json
    assert resp.headers["Content-Type"] == PROBLEM
    assert resp.json["errors"] and all(e["pointer"].startswith("/") for e in resp.json["errors"])


def test_unknown_routes_and_methods_answer_problem_json(client, auth):
    assert client.get("/api/v1/nothing-here", headers=auth).headers["Content-Type"] == PROBLEM
    wrong = client.get("/api/v1/payments", headers=auth)
    assert wrong.status_code == 405 and "POST" in wrong.headers["Allow"]
    assert wrong.headers["Content-Type"] == PROBLEM
    # Outside the API, pages stay pages.
    assert client.get("/no-such-page").headers["Content-Type"].startswith("text/html")


def test_a_body_past_the_limit_is_413(client, auth):
    resp = client.post(
        "/api/v1/loan-book",
        data=b'{"items": ["' + b"x" * (33 * 1024 * 1024) + b'"]}',
        content_type="application/json",
        headers=auth,
    )
    assert resp.status_code == 413 and resp.headers["Content-Type"] == PROBLEM


def test_the_openapi_document_needs_no_key_and_lists_every_route(app, client):
    doc = client.get("/api/v1/openapi.json")
    assert doc.status_code == 200 and doc.json["openapi"] == "3.1.0"
    served = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {
        (path, method.upper())
        for path, ops in doc.json["paths"].items()
        for method in ops
        if method != "parameters"
    }
    as_flask = {
        (p.replace("{external_id}", "<path:external_id>").replace("{flag}", "<flag>"), m)
        for p, m in documented
    }
    assert served == as_flask
    for ops in doc.json["paths"].values():
        for method, op in ops.items():
            if method == "parameters":
                continue
            assert {"401", "403", "429"} <= set(op["responses"]), op["summary"]
            assert op["security"][0]["bearerAuth"], op["summary"]
