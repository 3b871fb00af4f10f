"""Officer sign-in: where it sends the browser afterwards, sessions and their revocation, and
the sign-in limits (per address and per account, in the database)."""

from __future__ import annotations

import json
import re
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import select

from outreach import create_app
from outreach.models import AuditEvent, LoginAttempt
from tests.conftest import make_settings
from tests.support.officers import PASSWORD, login, make_officer

POLL = {"X-Requested-With": "poll"}  # what console.js sends every 2 seconds

# What a browser does with a Location header before following it (WHATWG URL): tabs and
# newlines vanish and a backslash after the scheme counts as a slash.
_INVISIBLE = re.compile(r"[\t\n\r]")


def followed(location: str) -> str:
    """The host a browser on http://localhost goes to after this redirect."""
    cleaned = _INVISIBLE.sub("", location).replace("\\", "/")
    return urlsplit(urljoin("http://localhost/login", cleaned)).netloc


@pytest.mark.parametrize(
    "target",
    [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\\evil.example",
        "\\/evil.example",
        "//evil.example",
        "https://evil.example/",
        "/ /evil.example",
        "javascript:alert(1)",
    ],
)
def test_it_never_sends_the_browser_off_site_after_sign_in(client, session, target):
    officer = make_officer(session)
    resp = client.post(
        "/login",
        query_string={"next": target},
        data={"email": officer.email, "password": PASSWORD},
    )
    assert resp.status_code == 302
    assert followed(resp.headers["Location"]) == "localhost"
    assert resp.headers["Location"] == "/console/"


def test_it_returns_to_the_page_that_asked_for_sign_in(client, session):
    officer = make_officer(session)
    resp = client.post(
        "/login",
        query_string={"next": "/console/cases/7?tab=notes"},
        data={"email": officer.email, "password": PASSWORD},
    )
    assert resp.headers["Location"] == "/console/cases/7?tab=notes"


# --- sessions (security finding 10) ----------------------------------------------------------


def test_it_refuses_a_copied_session_cookie_after_sign_out(app, client, session):
    login(client, make_officer(session))
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert copy.get("/console/").status_code == 200
    client.post("/logout")
    assert copy.get("/console/").status_code == 302  # back to sign-in
    assert client.get("/console/").status_code == 302


def test_it_ends_a_session_after_30_idle_minutes_however_often_the_console_polls(
    client, session, clock
):
    login(client, make_officer(session))
    for _ in range(15):  # 30 minutes of an unattended console refreshing itself
        clock.advance(minutes=2)
        assert client.get("/console/", headers=POLL).status_code == 200
    clock.advance(minutes=2)
    assert client.get("/console/", headers=POLL).status_code == 401  # console.js reloads
    assert client.get("/console/").status_code == 302


def test_it_keeps_a_session_while_the_officer_acts(client, session, clock):
    login(client, make_officer(session))
    for _ in range(3):
        clock.advance(minutes=25)
        assert client.get("/console/").status_code == 200
    clock.advance(minutes=31)
    assert client.get("/console/").status_code == 302


# --- sign-in limits (security finding 25) ----------------------------------------------------


def attempt(client, email, password="not the password", **kwargs):
    return client.post("/login", data={"email": email, "password": password}, **kwargs)


def second_worker(settings):
    """Another process: its own app, its own in-memory limiter, the same database."""
    app = create_app(settings)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    return app.test_client()


def test_it_locks_an_account_after_five_failures_across_two_workers(
    client, session, settings, clock
):
    officer = make_officer(session)
    workers = [client, second_worker(settings)]
    codes = [attempt(workers[i % 2], officer.email).status_code for i in range(40)]
    assert codes.count(401) == 5 and codes.count(429) == 35  # five passwords checked, no more
    locked = attempt(workers[0], officer.email, PASSWORD)
    assert locked.status_code == 429
    assert "locked until 16:15 UTC" in locked.get_data(as_text=True)
    locks = session.scalars(select(AuditEvent).where(AuditEvent.action == "officer.login_locked"))
    assert [(e.subject, e.details["scope"]) for e in locks] == [
        (f"officer:{officer.id}", "account")
    ]
    clock.advance(minutes=15)
    assert attempt(workers[1], officer.email, PASSWORD).status_code == 302


def test_it_stops_one_address_trying_many_accounts(client, session, clock):
    officer = make_officer(session)
    codes = [attempt(client, f"guess{i}@lender.test").status_code for i in range(25)]
    assert codes == [401] * 20 + [429] * 5
    refused = attempt(client, officer.email, PASSWORD)  # the right password waits too
    assert refused.status_code == 429 and "from here" in refused.get_data(as_text=True)
    elsewhere = attempt(
        client, officer.email, PASSWORD, environ_base={"REMOTE_ADDR": "198.51.100.7"}
    )
    assert elsewhere.status_code == 302


def test_it_counts_the_forwarded_address_only_behind_the_configured_proxy(
    app, client, session, database_url, clock
):
    officer = make_officer(session)
    proxied_app = create_app(make_settings(database_url, TRUSTED_PROXY_COUNT="1"))
    proxied_app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    proxied = proxied_app.test_client()
    via_proxy = {"environ_base": {"REMOTE_ADDR": "10.0.0.2"}}

    def forwarded(address):
        return {**via_proxy, "headers": {"X-Forwarded-For": address}}

    for i in range(20):
        attempt(proxied, f"guess{i}@lender.test", **forwarded("203.0.113.5"))
    assert attempt(proxied, officer.email, PASSWORD, **forwarded("203.0.113.5")).status_code == 429
    # Another client behind the same proxy has its own count.
    assert attempt(proxied, officer.email, PASSWORD, **forwarded("203.0.113.6")).status_code == 302
    addresses = set(session.scalars(select(LoginAttempt.address)))
    assert addresses == {"203.0.113.5", "203.0.113.6"}

    # With no proxy configured a client cannot escape its count by forging the header.
    codes = [
        attempt(client, f"spoof{i}@lender.test", headers={"X-Forwarded-For": f"192.0.2.{i}"})
        for i in range(21)
    ]
    assert [c.status_code for c in codes] == [401] * 20 + [429]


def test_it_audits_failed_sign_ins_without_the_password_or_an_unknown_email(
    client, session, caplog
):
    caplog.set_level("DEBUG")
    officer = make_officer(session)
    attempt(client, officer.email, "hunter2 but longer")
    attempt(client, "nobody@elsewhere.test", "another secret")
    failed = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "officer.login_failed")
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.subject, e.details["reason"]) for e in failed] == [
        (f"officer:{officer.id}", "password"),
        (None, "unknown_account"),
    ]
    assert failed[0].details["address"] == "127.0.0.1"
    stored = json.dumps(
        [[e.actor, e.subject, e.details] for e in session.scalars(select(AuditEvent))]
        + [[a.address, a.account] for a in session.scalars(select(LoginAttempt))]
    )
    for secret in ("hunter2", "another secret", "nobody", "elsewhere"):
        assert secret not in stored and secret not in caplog.text
