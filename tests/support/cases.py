"""A borrower's conversation handed to the officers, and a plan form an officer submits: shared
by the console, casework, access and security-header tests."""

from __future__ import annotations

from datetime import timedelta

from outreach import clock as app_clock
from outreach.models import Conversation, HandoffCase, Message
from outreach.selfservice import open_handoff
from tests.support.factories import make_borrower


def handed_off(session, settings, channel="sms"):
    """A borrower's message (with markup in it) and the handoff case the bot opened for it."""
    borrower = make_borrower(session, whatsapp=channel == "whatsapp")
    conv = Conversation(channel=channel, address="+13125550100", borrower_id=borrower.id)
    session.add(conv)
    session.add(
        Message(
            conversation=conv,
            borrower_id=borrower.id,
            direction="in",
            channel=channel,
            address=conv.address,
            sender="borrower",
            body="<script>alert(1)</script> I need a person",
            status="received",
        )
    )
    session.commit()
    case_id = open_handoff(
        conv.public_id, "requested", {"intents": ["request_human"]}, settings=settings
    )
    return session.get(HandoffCase, case_id)


def plan_form(loan, **over):
    """The console's plan form for ``loan``: 3 monthly instalments of 140.00 from 5 days on."""
    start = (app_clock.now() + timedelta(days=5)).date().isoformat()
    form = {
        "loan_id": loan.id,
        "instalment_amount": "140.00",
        "instalment_count": "3",
        "frequency": "monthly",
        "start_date": start,
    }
    form.update(over)
    return form
