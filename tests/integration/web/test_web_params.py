"""No crafted query string or path id gives a 5xx on any GET route (security review finding 20).

Every GET route in ``app.url_map`` is requested by each role (and anonymously) with query
parameters drawn from nasty values: huge and negative integers, superscript and other non-ASCII
digits, NaN, far dates, cursors, empty and long strings, control characters and other unicode.
The parameter names are the ones the views read (found in the source) plus random ones. Integer
path segments get existing ids and ids past 64 bits.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from outreach.models import ContactPoint, Conversation, HandoffCase, Message
from outreach.selfservice import open_handoff
from tests.support.factories import make_borrower
from tests.support.officers import PASSWORD, make_officer

ROLES = (None, "officer", "supervisor", "auditor", "admin")
# The health endpoints answer 503 when a collaborator is down (Rasa is not running here): their
# contract with a monitor.
EXPECTED_5XX = {"health.healthz": {503}, "health.ready": {503}}
WEB = Path(__file__).resolve().parents[3] / "outreach"
# ``args.get("x")``, ``request.args["x"]``, ``query_id("x")``, ``query_date("x")`` in the views
# and in the search filter they hand the query string to.
_READS = re.compile(r"""(?:args\.get|args\[|query_id|query_date)\(?\s*["']([a-z_]+)["']""")
NASTY = [
    "",
    " ",
    "0",
    "-1",
    "-0",
    "1.5",
    str(2**31),
    str(2**63 - 1),
    str(2**63),
    str(2**64),
    str(-(2**63) - 1),
    "9" * 40,
    "²",
    "¹²³",
    "٣",
    "１２",
    "NaN",
    "nan",
    "sNaN",
    "Infinity",
    "-inf",
    "1e308",
    "1e999",
    "0x10",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "-0001-01-01",
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "²⁰²⁶-01-01",
    "9999-12-31T23:59:59+14:00~1",
    "0001-01-01T00:00:00-14:00~99999999999999999999",
    "2026-05-04T12:00:00~²",
    "~",
    "x" * 5000,
    "\x00",
    "a\nb",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "%",
    "_",
    "\\",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "\u202e",
    "sms",
    "blocked",
    "+13125550100",
    "a@b.c",
]
values = st.one_of(
    st.sampled_from(NASTY),
    st.integers().map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.text(max_size=40),
)


def read_parameters() -> list[str]:
    """The query parameter names the app reads, from its source."""
    found: set[str] = set()
    for path in [*(WEB / "web").rglob("*.py"), WEB / "audit" / "search.py"]:
        found.update(_READS.findall(path.read_text(encoding="utf-8")))
    return sorted(found)


@pytest.fixture
def world(app, session, settings):
    """One of everything a GET route can show, a signed-in client per role, a chat key."""
    app.extensions["outreach.limiter"].enabled = False  # the fuzz is not a flood
    borrower = make_borrower(session)
    conv = Conversation(channel="sms", address="+13125550100", borrower_id=borrower.id)
    session.add(conv)
    session.add(
        Message(
            conversation=conv,
            borrower_id=borrower.id,
            direction="in",
            channel="sms",
            address=conv.address,
            sender="borrower",
            body="I need a person",
            status="received",
        )
    )
    session.commit()
    open_handoff(conv.public_id, "requested", {"intents": ["request_human"]}, settings=settings)
    clients = {None: app.test_client()}
    for i, role in enumerate(ROLES[1:]):
        officer = make_officer(session, role)
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.1.{i + 1}"
        signed_in = client.post("/login", data={"email": officer.email, "password": PASSWORD})
        assert signed_in.status_code == 302
        clients[role] = client
    key = clients[None].post("/chat/api/session", json={}).get_json()["key"]
    ids = {
        "case_id": session.scalar(select(HandoffCase.id)),
        "borrower_id": borrower.id,
        "point_id": session.scalar(select(ContactPoint.id)),
    }
    return {"clients": clients, "key": key, "ids": ids}


def _path(rule, ids: dict[str, int], draw_int: str | None, draw_text: str) -> str:
    """The rule's URL with its variables filled: ints from ``ids`` (or ``draw_int``)."""
    path = rule.rule
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            value = draw_int if draw_int is not None else str(ids.get(name, 1))
        elif name == "filename":
            value = "widget.js"
        else:
            value = quote(draw_text, safe="") or "x"
        path = re.sub(rf"<[^>]*\b{name}>", value, path)
    return path


def test_it_reads_the_parameters_the_fuzz_draws_from():
    # Guards the source scan: if these stop being found, the fuzz would stop reaching them.
    assert {"after", "borrower", "officer", "date_from", "date_to", "t", "next"} <= set(
        read_parameters()
    )


def test_it_answers_no_5xx_to_crafted_queries_on_any_get_route(app, world):
    rules = [r for r in app.url_map.iter_rules() if "GET" in (r.methods or ())]
    assert len(rules) >= 15  # every GET route, found from the map: new ones are fuzzed too
    names = st.one_of(st.sampled_from(read_parameters()), st.text(min_size=1, max_size=12))
    queries = st.dictionaries(names, values, max_size=4)
    int_segments = st.one_of(
        st.none(), st.sampled_from([str(2**63), str(2**64), "9" * 30, "0", "²"])
    )

    failures = []
    for rule in rules:
        try:
            _probe(rule, world, queries, int_segments)()
        except AssertionError as exc:  # keep going: report every route that fails
            failures.append(str(exc))
    assert failures == []


def _probe(rule, world, queries, int_segments):
    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(role=st.sampled_from(ROLES), query=queries, segment=int_segments, text=values)
    def probe(role, query, segment, text):
        url = _path(rule, world["ids"], segment, text)
        if query:
            url += "?" + urlencode(query)
        response = world["clients"][role].get(url, headers={"X-Chat-Key": world["key"]})
        response.close()
        allowed = EXPECTED_5XX.get(rule.endpoint, set())
        assert response.status_code < 500 or response.status_code in allowed, (
            url,
            response.status_code,
        )

    return probe
