"""The console blueprint and what its route modules share: roles, limits, the case loader and
the policy decision for an officer's message. Imports none of the route modules."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import Blueprint, abort

from outreach.conversations.replies import initiator, web_session_decision
from outreach.messaging.contact_policy import check_contact
from outreach.models import HandoffCase
from outreach.web import db, request_now

bp = Blueprint("console", __name__, url_prefix="/console")
log = logging.getLogger(__name__)
OFFICER_ROLES = ("officer", "supervisor")
MAX_REPLY_CHARS = 1600  # Twilio's maximum message body
VIEW_SESSION = timedelta(minutes=30)  # the officer idle timeout


def load_case(case_id: int) -> HandoffCase:
    """The handoff case ``case_id``, or a 404."""
    case = db().get(HandoffCase, case_id)
    if case is None:
        abort(404)
    return case


def policy_now(case: HandoffCase, **kwargs: Any) -> dict[str, Any] | None:
    """The policy decision for an officer message on this case's conversation, now."""
    conv, now = case.conversation, request_now()
    if conv.channel == "web":
        return web_session_decision(db(), conv, now)
    if case.borrower is None:
        return None
    return check_contact(
        db(), case.borrower, conv.channel, now, initiated_by=initiator(db(), conv, now), **kwargs
    )
