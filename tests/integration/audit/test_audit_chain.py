import pytest
from sqlalchemy import text

from outreach.audit import log as audit
from outreach.models import AuditEvent


def test_it_chains_events_and_names_the_first_altered_row(session):
    for i in range(5):
        audit.record(session, "system", "test.event", details={"i": i})
    session.commit()
    assert audit.verify_chain(session) is None
    third = session.query(AuditEvent).order_by(AuditEvent.id).all()[2]
    session.execute(
        text("UPDATE audit_events SET details = :d WHERE id = :id"),
        {"d": '{"i": 99}', "id": third.id},
    )
    session.commit()
    session.expire_all()
    assert audit.verify_chain(session) == third.id


def test_it_refuses_to_update_or_delete_through_the_orm(session):
    evt = audit.record(session, "system", "test.event")
    session.commit()
    evt.action = "rewritten"
    with pytest.raises(audit.AppendOnlyError):
        session.commit()
    session.rollback()
    session.delete(evt)
    with pytest.raises(audit.AppendOnlyError):
        session.commit()
