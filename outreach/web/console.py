"""Officer console: the queue of handed-off conversations, a case view, claim, reply, close."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from .. import audit, rasa_client
from ..contact_policy import check_contact
from ..conversations import initiator, reply
from ..models import HandoffCase, Message, utcnow
from . import db, settings
from .auth import current_officer, require_role

bp = Blueprint("console", __name__, url_prefix="/console")
log = logging.getLogger(__name__)
OFFICER_ROLES = ("officer", "supervisor")
MAX_REPLY_CHARS = 1600  # Twilio's maximum message body


def _case(case_id: int) -> HandoffCase:
    case = db().get(HandoffCase, case_id)
    if case is None:
        abort(404)
    return case


@bp.get("/")
@require_role(*OFFICER_ROLES)
def queue() -> Any:
    cases = db().scalars(select(HandoffCase).where(HandoffCase.status != "closed")
                         .order_by(HandoffCase.priority, HandoffCase.opened_at)).all()
    return render_template("console/queue.html", cases=cases, now=utcnow())


@bp.get("/cases/<int:case_id>")
@require_role(*OFFICER_ROLES)
def case_view(case_id: int) -> Any:
    case = _case(case_id)
    officer = current_officer()
    audit.record(db(), f"officer:{officer.id}", "borrower.viewed", subject=f"case:{case.id}",
                 borrower_id=case.borrower_id)
    db().commit()
    messages = db().scalars(select(Message).where(Message.conversation_id == case.conversation_id)
                            .order_by(Message.id)).all()
    policy = None
    if case.borrower is not None:
        # What the policy says about an officer message now, shown next to the reply box.
        now = utcnow()
        conv = case.conversation
        policy = check_contact(db(), case.borrower, conv.channel, now,
                               initiated_by=initiator(db(), conv, now))
        db().commit()
    return render_template("console/case.html", case=case, messages=messages, policy=policy,
                           officer=officer, max_chars=MAX_REPLY_CHARS)


@bp.post("/cases/<int:case_id>/claim")
@require_role(*OFFICER_ROLES)
def claim(case_id: int) -> Any:
    case = _case(case_id)
    officer = current_officer()
    if case.status == "open":
        case.status, case.claimed_by_id, case.claimed_at = "claimed", officer.id, utcnow()
        audit.record(db(), f"officer:{officer.id}", "handoff.claimed", subject=f"case:{case.id}",
                     borrower_id=case.borrower_id)
        db().commit()
    elif case.claimed_by_id != officer.id:
        flash("Another officer already has this case.")
    return redirect(url_for("console.case_view", case_id=case.id))


@bp.post("/cases/<int:case_id>/reply")
@require_role(*OFFICER_ROLES)
def send_reply(case_id: int) -> Any:
    case = _case(case_id)
    officer = current_officer()
    body = request.form.get("body", "").strip()
    if case.claimed_by_id != officer.id or case.status != "claimed":
        flash("Claim the case before answering.")
    elif not body:
        flash("body: write a message first.")
    elif len(body) > MAX_REPLY_CHARS:
        flash(f"body: at most {MAX_REPLY_CHARS} characters.")
    else:
        conv = case.conversation
        msg = reply(db(), settings(), conv, body, sender="officer", officer_id=officer.id,
                    initiated_by=initiator(db(), conv, utcnow()))
        if msg.status == "blocked":
            flash("Not sent: " + ", ".join(msg.decision.get("reasons", [])))
        elif msg.status == "failed":
            flash("Not delivered: " + (msg.error or "provider error"))
    return redirect(url_for("console.case_view", case_id=case.id))


@bp.post("/cases/<int:case_id>/close")
@require_role(*OFFICER_ROLES)
def close(case_id: int) -> Any:
    case = _case(case_id)
    officer = current_officer()
    if case.status != "closed":
        case.status, case.closed_at = "closed", utcnow()
        case.conversation.owner = "bot"
        audit.record(db(), f"officer:{officer.id}", "handoff.closed", subject=f"case:{case.id}",
                     borrower_id=case.borrower_id)
        db().commit()
        try:
            rasa_client.resume(settings(), case.conversation.public_id)
        except rasa_client.RasaUnavailable as exc:
            # The case is closed either way; the bot picks the conversation up on next contact.
            log.error("could not resume bot for case %s: %s", case.id, exc)
            flash("Case closed, but the bot could not be resumed right now.")
    return redirect(url_for("console.queue"))
