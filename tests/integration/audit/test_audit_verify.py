"""`flask audit verify` and the chain status on the auditor pages."""

from __future__ import annotations

from sqlalchemy import text

from outreach.audit import log as audit
from outreach.models import AuditEvent
from tests.support.factories import make_borrower
from tests.support.officers import login, make_officer


def tamper(session, event_id: int) -> None:
    session.execute(
        text("UPDATE audit_events SET actor = 'someone else' WHERE id = :id"), {"id": event_id}
    )
    session.commit()
    session.expire_all()


def test_it_verifies_the_chain_and_names_the_first_broken_link(runner, session):
    events = [audit.record(session, "system", "test.event", details={"i": i}) for i in range(4)]
    session.commit()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "audit chain intact: 4 events verified" in ok.output
    tamper(session, events[1].id)
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert f"first broken link is event #{events[1].id}" in broken.output


def test_it_shows_the_chain_status_on_the_auditor_pages(client, session):
    borrower = make_borrower(session)
    login(client, make_officer(session, "auditor"))
    page = client.get(f"/audit/borrowers/{borrower.id}").get_data(as_text=True)
    assert "Audit chain intact" in page
    first = session.query(AuditEvent).order_by(AuditEvent.id).first()
    tamper(session, first.id)
    # Pages re-check only new events; the full check (button, CLI, nightly job) finds the break.
    response = client.post("/audit/chain/verify", follow_redirects=True)
    assert f"Audit chain BROKEN at event #{first.id}" in response.get_data(as_text=True)
    page = client.get("/audit/").get_data(as_text=True)
    assert f"first broken link is event #{first.id}" in page


def test_it_checks_events_appended_since_the_last_checkpoint(runner, session):
    audit.record(session, "system", "test.event")
    session.commit()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    late = audit.record(session, "system", "test.event", details={"late": True})
    session.commit()
    tamper(session, late.id)
    result = runner.invoke(args=["audit", "verify", "--since-checkpoint"])
    assert result.exit_code == 1 and f"event #{late.id}" in result.output
