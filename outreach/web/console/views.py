"""Officer console: the queue of handed-off conversations, a case view, claim, reassign, close.

Replies live in reply.py, casework actions (notes, flags, promises, plans) in
actions.py. Every route names the roles it admits (auth.require_role).
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select, update

from outreach.audit import log as audit
from outreach.conversations import handoffs
from outreach.conversations import resume as bot_resume
from outreach.models import AuditEvent, CaseAssignment, HandoffCase, Message, Officer
from outreach.selfservice import identity
from outreach.web import db, params, rasa, request_now, settings
from outreach.web.auth import current_officer, require_role
from outreach.web.console import case_access
from outreach.web.console import data as console_data
from outreach.web.console.blueprint import (
    MAX_REPLY_CHARS,
    OFFICER_ROLES,
    VIEW_SESSION,
    bp,
    load_case,
    policy_now,
)
from outreach.web.console.mpesa_prompt import mpesa_form


@bp.get("/")
@require_role(*OFFICER_ROLES)
def queue() -> Any:
    officer = current_officer()
    cases, waiting, activity = console_data.queue_state(db())
    resume_pending = console_data.resume_pending(db())
    approvals = (
        console_data.pending_approvals(db()) if officer.role in ("supervisor", "admin") else []
    )
    return render_template(
        "console/queue.html",
        cases=cases,
        resume_pending=resume_pending,
        now=request_now(),
        waiting=waiting,
        risk=activity["risk"],
        notify_key=activity["key"],
        officer=officer,
        approvals=approvals,
        resolution_requests=console_data.pending_resolutions(db()),
        held=console_data.held(db(), officer.id),
        capacity=console_data.capacity(db(), officer.id),
        officers=console_data.assignable_officers(db())
        if officer.role in ("supervisor", "admin")
        else [],
    )


@bp.get("/cases/<int:case_id>")
@require_role(*OFFICER_ROLES)
def case_view(case_id: int) -> Any:
    case = load_case(case_id)
    officer = current_officer()
    if not case_access.may_read(case, officer):
        # Another officer's case or a closed one: say why first (security finding 33).
        return render_template(
            "console/why.html", case=case, max_reason=case_access.MAX_REASON
        ), 403
    actor, subject = f"officer:{officer.id}", f"case:{case.id}"
    # Who opened which borrower, when. Every page load is recorded; the 2-second refreshes count
    # as the same visit unless the last record is older than the idle timeout.
    if request.headers.get("X-Requested-With") != "poll" or not db().scalar(
        select(AuditEvent.id)
        .where(
            AuditEvent.actor == actor,
            AuditEvent.subject == subject,
            AuditEvent.action == "borrower.viewed",
            AuditEvent.at > request_now() - VIEW_SESSION,
        )
        .limit(1)
    ):
        audit.record(db(), actor, "borrower.viewed", subject=subject, borrower_id=case.borrower_id)
        db().commit()
    messages = (
        db()
        .scalars(
            select(Message)
            .where(Message.conversation_id == case.conversation_id)
            .order_by(Message.id)
        )
        .all()
    )
    policy = policy_now(case)
    template_policy = templates = None
    if (
        case.conversation.channel == "whatsapp"
        and policy
        and "whatsapp_session_closed" in policy["reasons"]
    ):
        # Outside the 24-hour session only an approved template may go out (RULES.md TW-63016).
        templates = console_data.whatsapp_templates()
        template_policy = policy_now(case, message={"kind": "template", "category": "utility"})
    db().commit()
    return render_template(
        "console/case.html",
        case=case,
        messages=messages,
        policy=policy,
        officer=officer,
        max_chars=MAX_REPLY_CHARS,
        templates=templates,
        template_policy=template_policy,
        panel=console_data.borrower_panel(db(), case, request_now()),
        identity_fresh=identity.is_fresh(db(), case.conversation, request_now()),
        flag_choices=console_data.CONSOLE_FLAGS,
        officers=console_data.assignable_officers(db())
        if officer.role in ("supervisor", "admin")
        else [],
        template_defaults=_template_defaults(case),
        activity=console_data.queue_state(db())[2],
        can_work=case_access.holds(case, officer) or officer.role in case_access.SUPERVISORS,
        mpesa=mpesa_form(case),
    )


@bp.post("/cases/<int:case_id>/access")
@require_role(*OFFICER_ROLES)
def justify_access(case_id: int) -> Any:
    """The reason an officer gives for opening a case they may not read otherwise (audited)."""
    case = load_case(case_id)
    error = case_access.justify(case, current_officer(), request.form.get("reason", ""))
    if error:
        flash(error)
    return redirect(url_for("console.case_view", case_id=case.id))


def _template_defaults(case: HandoffCase) -> dict[str, str]:
    from outreach.messaging.links import make_link

    values = {"lender": settings().lender_name}
    if case.borrower is not None:
        values["link"] = make_link(settings(), case.borrower.id)
        loan = next(iter(sorted(case.borrower.loans, key=lambda ln: -ln.past_due_amount)), None)
        if loan is not None:
            values["amount"] = f"{loan.past_due_amount:,.2f} {loan.currency}"
            values["due_date"] = loan.next_due_date.isoformat() if loan.next_due_date else ""
    return values


def _assign(case: HandoffCase, officer: Officer, by: Officer, kind: str) -> None:
    db().add(
        CaseAssignment(case_id=case.id, officer_id=officer.id, assigned_by_id=by.id, kind=kind)
    )
    audit.record(
        db(),
        f"officer:{by.id}",
        f"handoff.{'claimed' if kind == 'claim' else kind}",
        subject=f"case:{case.id}",
        borrower_id=case.borrower_id,
        details={"officer_id": officer.id},
    )


@bp.post("/cases/<int:case_id>/claim")
@require_role(*OFFICER_ROLES)
def claim(case_id: int) -> Any:
    case = load_case(case_id)
    officer = current_officer()
    if case.claimed_by_id == officer.id:
        return redirect(url_for("console.case_view", case_id=case.id))
    cap = console_data.capacity(db(), officer.id)
    if case.status == "open" and console_data.held(db(), officer.id) >= cap:
        flash(f"You already hold {cap} open cases (your limit). Close one first.")
        return redirect(url_for("console.case_view", case_id=case.id))
    # One officer per case: only the UPDATE that still sees status 'open' wins a race.
    won = (
        db()
        .execute(
            update(HandoffCase)
            .where(HandoffCase.id == case.id, HandoffCase.status == "open")
            .values(status="claimed", claimed_by_id=officer.id, claimed_at=request_now())
        )
        .rowcount
        == 1
    )
    if won:
        _assign(case, officer, officer, "claim")
        db().commit()
    else:
        db().rollback()
        flash("Another officer already has this case.")
    return redirect(url_for("console.case_view", case_id=case.id))


@bp.post("/cases/<int:case_id>/reassign")
@require_role("supervisor")
def reassign(case_id: int) -> Any:
    case = load_case(case_id)
    supervisor = current_officer()
    target_id = request.form.get("officer_id", "")
    target_key = params.to_int(target_id, minimum=1)  # "²" passed isdigit (finding 20)
    target = db().get(Officer, target_key) if target_key is not None else None
    if case.status == "closed":
        flash("This case is closed.")
    elif target is None or not target.active or target.role not in OFFICER_ROLES:
        flash("officer_id: choose an active officer or supervisor.")
    elif target.id != case.claimed_by_id and console_data.held(
        db(), target.id
    ) >= console_data.capacity(db(), target.id):
        flash(f"{target.name} is at capacity; close or move one of their cases first.")
    else:
        case.status, case.claimed_by_id, case.claimed_at = "claimed", target.id, request_now()
        _assign(case, target, supervisor, "reassign")
        db().commit()
        flash(f"Case #{case.id} is now with {target.name}.")
    return redirect(request.referrer or url_for("console.queue"))


@bp.post("/cases/<int:case_id>/close")
@require_role(*OFFICER_ROLES)
def close(case_id: int) -> Any:
    case = load_case(case_id)
    officer = current_officer()
    if case.status != "closed":
        if case.claimed_by_id not in (officer.id, None) and officer.role == "officer":
            flash("Only the officer holding this case (or a supervisor) can close it.")
            return redirect(url_for("console.case_view", case_id=case.id))
        handoffs.close_case(db(), case, officer.id, request_now())
        # Until Rasa confirms the resume the conversation stays marked: the borrower is told
        # the assistant is unavailable (never silence), the scheduler retries every minute and
        # the queue shows it (security finding 6).
        if not bot_resume.hand_back(db(), rasa(), case.conversation, request_now()):
            flash(
                "Case closed, but the bot could not be resumed right now. It is retried every "
                "minute; the queue shows the conversation until the bot has it again."
            )
    return redirect(url_for("console.queue"))
