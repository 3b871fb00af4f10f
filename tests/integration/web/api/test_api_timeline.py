"""A borrower's timeline: messages with their policy decisions, arrangements, cases."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from outreach.arrangements.agreements import record_promise
from outreach.models import Conversation, HandoffCase, Message
from tests.support.factories import make_borrower


def test_it_shows_messages_with_their_decisions_arrangements_and_cases(
    client, session, clock, auth
):
    borrower = make_borrower(session)
    loan = borrower.loans[0]
    conv = Conversation(channel="sms", address="+13125550100", borrower_id=borrower.id)
    session.add(conv)
    session.flush()
    session.add(
        Message(
            conversation_id=conv.id,
            borrower_id=borrower.id,
            loan_id=loan.id,
            direction="out",
            channel="sms",
            address="+13125550100",
            sender="scheduler",
            template="reminder_due",
            body="Your payment of $420.00 is due.",
            status="blocked",
            decision={
                "allowed": False,
                "reasons": ["contact_window"],
                "next_allowed_at": "2026-11-25T14:00:00Z",
                "zones": ["America/Chicago"],
                "rules_version": "US@abc",
                "facts": {"borrower": {"phone": "+13125550100"}},
            },
            created_at=clock.now(),
        )
    )
    session.add(HandoffCase(conversation_id=conv.id, borrower_id=borrower.id, reason="dispute"))
    record_promise(
        session,
        loan,
        borrower.today(clock.now()) + timedelta(days=2),
        Decimal("100"),
        created_by="bot",
        today=borrower.today(clock.now()),
    )
    session.commit()

    resp = client.get(f"/api/v1/borrowers/{borrower.external_id}/timeline", headers=auth)
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert body["borrower"] == {"external_id": borrower.external_id, "loans": [loan.loan_number]}
    (message,) = body["messages"]
    assert message["decision"] == {
        "allowed": False,
        "reasons": ["contact_window"],
        "next_allowed_at": "2026-11-25T14:00:00Z",
        "zones": ["America/Chicago"],
        "rules_version": "US@abc",
    }
    assert [(p["status"], p["amount"]) for p in body["promises"]] == [("open", "100.00")]
    assert [(c["reason"], c["status"]) for c in body["cases"]] == [("dispute", "open")]


def test_it_needs_the_borrowers_read_scope_and_a_sane_limit(app, client, session, auth):
    from tests.support.api_clients import bearer, new_key

    borrower = make_borrower(session)
    url = f"/api/v1/borrowers/{borrower.external_id}/timeline"
    writer = new_key(app, "writer", ("loans:write",))
    assert client.get(url, headers=bearer(writer)).status_code == 403
    bad = client.get(url + "?limit=0", headers=auth)
    assert bad.status_code == 422
    assert bad.json["errors"][0]["parameter"] == "limit"
