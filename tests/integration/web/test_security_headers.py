"""Security headers (finding 24): pages stay out of other sites' frames, scripts and styles
come from this origin only, HTTPS is pinned, URLs do not leak in Referer; the chat widget and
its API stay embeddable on lenders' sites."""

from __future__ import annotations

import re

import pytest

from outreach import create_app
from outreach.messaging.links import make_token
from tests.conftest import make_settings
from tests.support.cases import handed_off
from tests.support.factories import make_borrower
from tests.support.officers import login, make_officer

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=|\son[a-z]+=", re.I)


def directives(resp) -> dict[str, str]:
    policy = resp.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def officer_pages(client, session, settings):
    """Every kind of page an officer, auditor or admin sees, with its response."""
    case = handed_off(session, settings)
    pages = {"/login": client.get("/login")}
    login(client, make_officer(session, "admin"))
    for path in (
        "/console/",
        f"/console/cases/{case.id}",
        "/admin/officers",
        "/audit/",
        "/audit/search?go=1&borrower=Ana",
        f"/audit/borrowers/{case.borrower_id}",
        "/audit/kpis",
        "/sandbox/",
    ):
        pages[path] = client.get(path)
    return pages


def test_it_keeps_every_officer_page_out_of_other_sites_frames(client, session, settings):
    for path, resp in officer_pages(client, session, settings).items():
        assert resp.status_code == 200, path
        csp = directives(resp)
        assert csp["frame-ancestors"] == "'none'", path
        assert resp.headers["X-Frame-Options"] == "DENY", path
        assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'", path
        assert csp["object-src"] == "'none'" and csp["base-uri"] == "'none'", path
        assert resp.headers["Referrer-Policy"] == "same-origin", path
        assert resp.headers["X-Content-Type-Options"] == "nosniff", path
        assert resp.headers["Strict-Transport-Security"].startswith("max-age=31536000"), path


def test_it_renders_no_inline_script_or_style_the_policy_would_block(client, session, settings):
    pages = officer_pages(client, session, settings)
    borrower = make_borrower(session, phone="+13125550199", external_id="B-9")
    pages["/chat/"] = client.get(f"/chat/?t={make_token(settings, borrower.id)}")
    for path, resp in pages.items():
        html = resp.get_data(as_text=True)
        assert not INLINE_SCRIPT.search(html), path
        assert not INLINE_STYLE.search(html), path


def test_it_pins_https_only_when_served_over_https(database_url, app):
    plain = create_app(make_settings(database_url, PUBLIC_BASE_URL="http://127.0.0.1:5000"))
    assert "Strict-Transport-Security" not in plain.test_client().get("/login").headers


@pytest.mark.parametrize("path", ["/chat/widget.js", "/chat/widget.css"])
def test_it_keeps_the_widget_loadable_from_a_lenders_site(client, path):
    resp = client.get(path, headers={"Origin": "https://lender.example"})
    assert resp.status_code == 200
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert resp.headers["Cross-Origin-Resource-Policy"] == "cross-origin"


def test_it_keeps_the_chat_api_open_to_a_lenders_site(client):
    resp = client.post(
        "/chat/api/session", json={"locale": "en"}, headers={"Origin": "https://lender.example"}
    )
    assert resp.status_code == 201
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert resp.headers["Cross-Origin-Resource-Policy"] == "cross-origin"


def test_it_sends_no_referer_from_pages_whose_url_carries_a_token(client, session, settings):
    borrower = make_borrower(session)
    resp = client.get(f"/chat/?t={make_token(settings, borrower.id)}")
    assert resp.headers["Referrer-Policy"] == "no-referrer"
