"""The care panel: a vulnerability note and the pause are shown to whoever handles the case
(the holder, a supervisor), not to an officer merely looking at a case in the queue."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from outreach import selfservice
from outreach.conversations.inbound import open_conversation
from outreach.models import HandoffCase
from tests.support.factories import make_borrower
from tests.support.officers import login, make_officer

pytestmark = pytest.mark.usefixtures("clock")


def test_it_shows_the_note_only_to_whoever_handles_the_case(client, session, settings):
    make_borrower(session)
    conv = open_conversation(session, "sms", "+13125550100")
    session.commit()
    selfservice.record_vulnerability(conv.public_id, "bereavement", True, settings=settings)
    case = session.scalar(select(HandoffCase))
    officer = make_officer(session)
    login(client, officer)
    page = client.get(f"/console/cases/{case.id}").get_data(as_text=True)
    assert 'id="care-panel"' not in page and "bereavement" not in page
    client.post(f"/console/cases/{case.id}/claim")
    page = client.get(f"/console/cases/{case.id}").get_data(as_text=True)
    assert 'id="care-panel"' in page and "Vulnerability (bereavement)" in page
    assert "Automated collection paused (care) until 2026-12-24" in page
