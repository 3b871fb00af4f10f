"""A formal moratorium (England and Wales Debt Respite Scheme) recorded by the lender through
the flags route: every lender-initiated message stops with reason breathing_space until cleared."""

from __future__ import annotations

from outreach.messaging.contact_policy import check_contact
from tests.support.factories import make_borrower


def test_a_breathing_space_stops_contact_until_the_lender_clears_it(client, session, clock, auth):
    borrower = make_borrower(
        session, phone="+447700900123", country="GB", region=None, postal_code="SW1A 1AA"
    )
    url = f"/api/v1/borrowers/{borrower.external_id}/flags"
    resp = client.post(
        url, json={"flag": "breathing_space", "source": "insolvency-service"}, headers=auth
    )
    assert resp.status_code == 201, resp.json
    assert resp.json["active"] == ["breathing_space"]
    session.expire_all()
    decision = check_contact(session, borrower, "sms", clock.now())
    assert decision["reasons"] == ["breathing_space"] and decision["next_allowed_at"] is None
    clock.advance(days=60)
    cleared = client.post(f"{url}/breathing_space/clear", json={"source": "core"}, headers=auth)
    assert cleared.status_code == 200 and cleared.json["active"] == []
    session.expire_all()
    assert "breathing_space" not in check_contact(session, borrower, "sms", clock.now())["reasons"]
