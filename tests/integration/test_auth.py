"""Officer sign-in: where it sends the browser afterwards, sessions and their revocation, and
the sign-in limits (per address and per account, in the database)."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest

from tests.support.officers import PASSWORD, make_officer

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
