"""Flags from the lender's system: set and cleared with their source; contact stops meanwhile."""

from __future__ import annotations

from sqlalchemy import select

from outreach.messaging.contact_policy import check_contact
from outreach.models import AuditEvent, BorrowerFlag
from tests.support.factories import make_borrower


def _url(borrower, *rest: str) -> str:
    return "/".join(["/api/v1/borrowers", borrower.external_id, "flags", *rest])


def test_a_dispute_set_through_the_api_stops_contact_until_it_is_cleared(
    client, session, clock, auth
):
    borrower = make_borrower(session)
    resp = client.post(
        _url(borrower),
        json={"flag": "dispute", "source": "core-banking", "reason": "letter of 2026-11-20"},
        headers=auth,
    )
    assert resp.status_code == 201, resp.json
    assert resp.json["active"] == ["dispute"]
    flag = session.scalars(select(BorrowerFlag)).one()
    assert (flag.flag, flag.source, flag.set_at) == ("dispute_open", "core-banking", clock.now())
    session.expire_all()
    decision = check_contact(session, borrower, "sms", clock.now())
    assert decision["reasons"] == ["dispute_open"]

    again = client.post(_url(borrower), json={"flag": "dispute_open", "source": "x"}, headers=auth)
    assert (again.status_code, again.json["changed"]) == (200, False)

    clock.advance(days=2)
    cleared = client.post(
        _url(borrower, "dispute", "clear"), json={"source": "legal-team"}, headers=auth
    )
    assert cleared.status_code == 200 and cleared.json["active"] == []
    state = cleared.json["flags"][0]
    assert (state["cleared_source"], state["active"]) == ("legal-team", False)
    session.expire_all()
    assert check_contact(session, borrower, "sms", clock.now())["allowed"] is True
    audited = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action.in_(("flag.set", "flag.cleared")))
        .order_by(AuditEvent.id)
    ).all()
    assert [(a.action, a.actor, a.details["source"]) for a in audited] == [
        ("flag.set", "api:core-banking", "core-banking"),
        ("flag.cleared", "api:core-banking", "legal-team"),
    ]


def test_every_blocking_flag_can_be_set(client, session, auth):
    borrower = make_borrower(session)
    for name in ("cease_and_desist", "attorney", "bankruptcy", "deceased"):
        resp = client.post(_url(borrower), json={"flag": name, "source": "core"}, headers=auth)
        assert resp.status_code == 201
    session.expire_all()
    assert borrower.active_flags() == [
        "attorney_represented",
        "bankruptcy",
        "cease_and_desist",
        "deceased",
    ]


def test_it_names_an_unknown_flag_and_an_unknown_borrower(client, session, auth):
    borrower = make_borrower(session)
    bad = client.post(_url(borrower), json={"flag": "angry", "source": ""}, headers=auth)
    assert bad.status_code == 422
    assert sorted(e["pointer"] for e in bad.json["errors"]) == ["/flag", "/source"]
    nobody = client.post(
        "/api/v1/borrowers/NOBODY/flags", json={"flag": "dispute", "source": "core"}, headers=auth
    )
    assert nobody.status_code == 404
    assert (
        client.post(
            _url(borrower, "angry", "clear"), json={"source": "x"}, headers=auth
        ).status_code
        == 404
    )
    # An id no borrower can have never reaches the database (PostgreSQL refuses NUL).
    nul = client.post(
        "/api/v1/borrowers/A%00B/flags", json={"flag": "dispute", "source": "c"}, headers=auth
    )
    assert nul.status_code == 404


def test_a_dispute_set_through_the_api_is_an_outbound_event(client, session, auth):
    from outreach.models import Event

    borrower = make_borrower(session)
    client.post(_url(borrower), json={"flag": "dispute", "source": "core"}, headers=auth)
    client.post(_url(borrower), json={"flag": "deceased", "source": "core"}, headers=auth)
    sent = session.scalars(select(Event).where(Event.borrower_id == borrower.id)).all()
    assert [(e.type, e.data) for e in sent] == [
        (
            "dispute.opened",
            {"flag": "dispute_open", "source": "api", "borrower_external_id": borrower.external_id},
        )
    ]
