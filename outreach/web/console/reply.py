"""The officer's reply: free text on the conversation's channel, or on WhatsApp outside the
24-hour session an approved Content template. Both pass the policy engine first."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from jinja2 import TemplateError

from outreach.conversations import replies
from outreach.messaging import templates as message_templates
from outreach.messaging.send import record_blocked, send_message
from outreach.models import HandoffCase, Message
from outreach.selfservice import disclosure
from outreach.web import channels, db, request_now, settings
from outreach.web.auth import current_officer, require_role
from outreach.web.console import data as console_data
from outreach.web.console.blueprint import MAX_REPLY_CHARS, OFFICER_ROLES, bp, load_case, policy_now
from outreach.web.console.case_access import may_work


@bp.post("/cases/<int:case_id>/reply")
@require_role(*OFFICER_ROLES)
def send_reply(case_id: int) -> Any:
    case = load_case(case_id)
    officer = current_officer()
    body = request.form.get("body", "").strip()
    template = request.form.get("template", "")
    if case.status == "closed":
        flash("This case is closed: the bot answers the borrower again.")
    elif not may_work(case, officer, "reply"):  # the holder only, or a supervisor (audited)
        pass
    elif template:
        _send_template(case, template, officer.id)
    elif not body:
        flash("body: write a message first.")
    elif len(body) > MAX_REPLY_CHARS:
        flash(f"body: at most {MAX_REPLY_CHARS} characters.")
    elif refused := disclosure.refusal(
        db(), case.conversation.borrower_id, case.conversation.address, body
    ):
        # Group members never learn each other's debts (issue 20): nothing is sent; the text
        # is not put in the URL either (no personal data in logs).
        flash(refused)
    else:
        conv = case.conversation
        msg = replies.send_reply(
            db(),
            settings(),
            channels(),
            conv,
            body,
            sender="officer",
            officer_id=officer.id,
            initiated_by=replies.initiator(db(), conv, request_now()),
        )
        _report(msg)
    return redirect(url_for("console.case_view", case_id=case.id))


def _report(msg: Message) -> None:
    if msg.status == "blocked":
        flash("Not sent: " + ", ".join((msg.decision or {}).get("reasons", [])))
    elif msg.status == "failed":
        flash("Not delivered: " + (msg.error or "provider error"))


def _send_template(case: HandoffCase, name: str, officer_id: int) -> None:
    """Send an approved WhatsApp template: policy (kind=template), then ``send_message``."""
    conv = case.conversation
    entry = console_data.whatsapp_templates().get(name)
    if conv.channel != "whatsapp" or entry is None:
        flash("template: choose one of the approved WhatsApp templates.")
        return
    values = {
        var: request.form.get(f"var_{var}", "").strip()[:200] for var in entry.get("variables", [])
    }
    missing = [var for var, value in values.items() if not value]
    if missing:
        flash(f"var_{missing[0]}: fill in every template variable.")
        return
    if refused := disclosure.refusal(
        db(), conv.borrower_id, conv.address, " | ".join(values.values())
    ):
        flash(refused.replace("body:", "template variables:", 1))
        return
    locale = case.borrower.locale if case.borrower else "en"
    try:
        body = message_templates.render(name, "whatsapp", locale, **values)
    except (LookupError, TemplateError):  # the log text is a courtesy; the SID is what is sent
        body = f"[{name}] " + " | ".join(values.values())
    decision = policy_now(case, message={"kind": "template", "category": "utility"})
    if decision is None or not decision["allowed"]:
        decision = decision or {"allowed": False, "reasons": ["no_address"]}
        _report(
            record_blocked(
                db(),
                channel="whatsapp",
                address=conv.address,
                body=body,
                sender="officer",
                decision=decision,
                template=name,
                borrower_id=conv.borrower_id,
                conversation=conv,
            )
        )
        return
    # The row is committed before the provider call (messaging.send's rule); the rendered body
    # is kept for the log, the Content template is what Twilio sends.
    msg = send_message(
        db(),
        settings(),
        channel="whatsapp",
        address=conv.address,
        body=body,
        sender="officer",
        conversation=conv,
        officer_id=officer_id,
        template=name,
        decision=decision,
        send_kwargs={
            "content_sid": entry["content_sid"],
            "content_variables": {str(i): values[v] for i, v in enumerate(entry["variables"], 1)},
        },
        channels=channels(),
    )
    _report(msg)
