"""API keys: shown once, stored hashed, scoped, revocable, limited per key, every call audited."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import select

from outreach import create_app
from outreach.models import ApiKey, AuditEvent
from tests.conftest import make_settings
from tests.support.api_clients import bearer, new_key
from tests.support.officers import login, make_officer

TIMELINE = "/api/v1/borrowers/CUST-1/timeline"


def test_it_prints_a_new_key_once_on_the_last_line_and_stores_only_its_hash(
    app, runner, session, client
):
    result = runner.invoke(
        args=[
            "api-keys",
            "create",
            "--name",
            "core-banking",
            "--scopes",
            "loans:write,borrowers:read",
        ]
    )
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    assert key.startswith("obk_") and len(key) == 47
    row = session.scalars(select(ApiKey)).one()
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in json.dumps([row.name, row.scopes, row.prefix, row.key_hash])
    assert row.scope_list == ["loans:write", "borrowers:read"]
    # It works at once, and never appears again.
    assert client.get(TIMELINE, headers=bearer(key)).status_code == 404  # no such borrower yet
    listing = runner.invoke(args=["api-keys", "list"]).output
    assert key not in listing
    assert json.loads(listing.splitlines()[0])["scopes"] == ["loans:write", "borrowers:read"]


def test_it_refuses_an_unknown_scope_and_a_reused_name(runner):
    bad = runner.invoke(args=["api-keys", "create", "--name", "x", "--scopes", "loans:delete"])
    assert bad.exit_code != 0 and "scopes: unknown loans:delete" in bad.output
    runner.invoke(args=["api-keys", "create", "--name", "x", "--scopes", "loans:write"])
    again = runner.invoke(args=["api-keys", "create", "--name", "x", "--scopes", "loans:write"])
    assert again.exit_code != 0 and "name: a key named 'x' exists" in again.output


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer obk_" + "A" * 43},  # our shape, never issued
        {"Authorization": "Bearer not-a-key\u00e9"},
    ],
)
def test_it_answers_401_problem_json_without_a_valid_key(client, headers):
    resp = client.get(TIMELINE, headers=headers)
    assert resp.status_code == 401
    assert resp.headers["Content-Type"] == "application/problem+json"
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert {"title", "status", "detail"} <= set(resp.json) and resp.json["status"] == 401


def test_it_refuses_a_revoked_key_from_its_next_request_and_audits_the_attempt(
    app, runner, client, session
):
    key = new_key(app, "old-core")
    assert client.get(TIMELINE, headers=bearer(key)).status_code == 404
    assert runner.invoke(args=["api-keys", "revoke", "old-core"]).exit_code == 0
    resp = client.get(TIMELINE, headers=bearer(key))
    assert resp.status_code == 401 and resp.json["detail"] == "This API key was revoked."
    calls = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "api.call").order_by(AuditEvent.id)
    ).all()
    assert [(c.actor, c.details["status"]) for c in calls] == [
        ("api:old-core", 404),
        ("api:old-core", 401),
    ]
    assert runner.invoke(args=["api-keys", "revoke", "nobody"]).exit_code != 0


def test_it_answers_403_naming_the_scope_a_key_lacks(app, client):
    reader = new_key(app, "reader", ("borrowers:read",))
    resp = client.post(
        "/api/v1/payments",
        json={"loan_number": "LN-1", "reference": "R1", "amount": "10", "currency": "USD"},
        headers=bearer(reader),
    )
    assert resp.status_code == 403
    assert resp.json["required_scope"] == "payments:write"
    assert resp.headers["Content-Type"] == "application/problem+json"


def test_it_audits_every_call_with_the_key_name_and_the_route_not_the_path(client, session, auth):
    client.get("/api/v1/borrowers/CUST-000042/timeline", headers=auth)
    client.post("/api/v1/payments", json={"amount": "x"}, headers=auth)
    calls = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "api.call").order_by(AuditEvent.id)
    ).all()
    assert [c.actor for c in calls] == ["api:core-banking", "api:core-banking"]
    assert calls[0].details == {
        "method": "GET",
        "route": "/api/v1/borrowers/<path:external_id>/timeline",
        "status": 404,
    }
    assert calls[1].details["status"] == 422
    assert "CUST-000042" not in json.dumps([c.details for c in calls])


def test_it_limits_requests_per_key(database_url):
    app = create_app(make_settings(database_url, API_RATE_LIMIT="3 per minute"))
    app.config.update(TESTING=True)
    client = app.test_client()
    busy, quiet = new_key(app, "busy"), new_key(app, "quiet")
    answers = [client.get(TIMELINE, headers=bearer(busy)).status_code for _ in range(4)]
    assert answers == [404, 404, 404, 429]
    limited = client.get(TIMELINE, headers=bearer(busy))
    assert limited.headers["Content-Type"] == "application/problem+json"
    assert "Retry-After" in limited.headers
    assert client.get(TIMELINE, headers=bearer(quiet)).status_code == 404  # its own budget


def test_the_console_keeps_csrf_while_the_api_needs_none(database_url, session):
    app = create_app(make_settings(database_url))
    app.config.update(TESTING=True)  # CSRF stays on (the shared fixture turns it off)
    key = new_key(app, "core")
    client = app.test_client()
    api = client.post("/api/v1/borrowers/CUST-1/flags", json={}, headers=bearer(key))
    assert api.status_code == 422  # reached the route: no CSRF token asked for
    login_page = client.post("/login", data={"email": "a@b.test", "password": "x"})
    assert login_page.status_code == 400  # the console's forms still need their token


def test_admins_see_the_keys_and_revoke_one(app, client, session):
    key = new_key(app, "core-banking", ("loans:write",))
    login(client, make_officer(session, "admin"))
    page = client.get("/admin/api-keys").get_data(as_text=True)
    assert "core-banking" in page and "loans:write" in page and key[:12] in page
    assert key not in page
    row = session.scalars(select(ApiKey)).one()
    resp = client.post(f"/admin/api-keys/{row.id}/revoke")
    assert resp.status_code == 302
    session.refresh(row)
    assert row.revoked_at is not None
    revoked = session.scalars(select(AuditEvent).where(AuditEvent.action == "api_key.revoked"))
    assert revoked.one().actor.startswith("officer:")


def test_only_admins_see_the_api_keys_page(app, client, session):
    new_key(app, "core-banking")
    login(client, make_officer(session, "supervisor"))
    assert client.get("/admin/api-keys").status_code == 403
    assert client.post("/admin/api-keys/1/revoke").status_code == 403


def test_a_route_that_fails_half_way_is_still_audited(client, session, auth, monkeypatch):
    """The failed route's transaction (holding the audit chain's lock) is rolled back before
    the call's audit event is written in its own session: no wait on itself, no lost audit."""
    from outreach.audit import log as audit_log
    from tests.support.factories import make_borrower

    borrower = make_borrower(session)
    real = audit_log.record

    def record_then_fail(session_, actor, action, **kwargs):
        event = real(session_, actor, action, **kwargs)
        if action == "flag.set":
            raise RuntimeError("the disk filled up")
        return event

    monkeypatch.setattr(audit_log, "record", record_then_fail)
    resp = client.post(
        f"/api/v1/borrowers/{borrower.external_id}/flags",
        json={"flag": "dispute", "source": "core"},
        headers={**auth, "Idempotency-Key": "half-way"},
    )
    assert resp.status_code == 500 and resp.headers["Content-Type"] == "application/problem+json"
    session.expire_all()
    calls = session.scalars(select(AuditEvent).where(AuditEvent.action == "api.call")).all()
    assert [c.details["status"] for c in calls] == [500]
    assert session.scalars(select(AuditEvent).where(AuditEvent.action == "flag.set")).all() == []
