"""Admin: manage officers (create, role, capacity, deactivate, reset password), the event
webhook subscriptions (create with the secret shown once, health, pause, resume, delete, replay
dead letters), and see and revoke the REST API's keys (created with
``flask --app wsgi api-keys create``). Admins only; every change audited.

Officers are never deleted (the audit log and messages point at them): they are deactivated,
which signs them out at their next request (``current_officer`` ignores inactive officers).
Deactivating, reactivating and resetting a password end every session the officer had.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from outreach import events as outbound
from outreach.audit import log as audit
from outreach.integrations import api_keys as keys
from outreach.integrations.webhooks import subscriptions
from outreach.models import ROLES, ApiKey, EventSubscription, Officer, OfficerCapacity
from outreach.models.casework import DEFAULT_CAPACITY
from outreach.officer_accounts import (
    MIN_PASSWORD,
    email_error,
    end_sessions,
    hash_password,
    name_error,
    normalise_email,
    password_error,
)
from outreach.web import db, params, request_now, settings
from outreach.web.auth import current_officer, require_role

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _capacity(officer_id: int) -> int:
    row = db().get(OfficerCapacity, officer_id)
    return row.max_open_cases if row else DEFAULT_CAPACITY


def _form_errors(form: dict[str, str], *, new: bool) -> list[str]:
    """Every problem with the form, each naming its field (the CLI applies the same rules)."""
    errors = []
    if new:
        errors += [
            e for e in (email_error(form.get("email", "")), name_error(form.get("name", ""))) if e
        ]
    if form.get("role") not in ROLES:
        errors.append(f"role: one of {', '.join(ROLES)}")
    password = form.get("password", "")
    if (new or password) and (problem := password_error(password)):
        errors.append(problem)
    cap = form.get("capacity", str(DEFAULT_CAPACITY))
    if params.to_int(cap, minimum=1, maximum=100) is None:  # "²" passed isdigit (finding 20)
        errors.append("capacity: a whole number from 1 to 100")
    return errors


@bp.get("/officers")
@require_role("admin")
def officers() -> Any:
    rows = db().scalars(select(Officer).order_by(Officer.active.desc(), Officer.name)).all()
    return render_template(
        "admin/officers.html",
        officers=rows,
        roles=ROLES,
        capacity={o.id: _capacity(o.id) for o in rows},
        default_capacity=DEFAULT_CAPACITY,
        min_password=MIN_PASSWORD,
    )


@bp.post("/officers")
@require_role("admin")
def create() -> Any:
    form = {k: v.strip() if k != "password" else v for k, v in request.form.items()}
    form["email"] = normalise_email(form.get("email", ""))
    form.setdefault("capacity", str(DEFAULT_CAPACITY))
    errors = _form_errors(form, new=True)
    if not errors and db().scalar(select(Officer.id).where(Officer.email == form["email"])):
        errors.append("email: an officer with this email exists")
    if errors:
        for error in errors:
            flash(error)
        return redirect(url_for("admin.officers"))
    officer = Officer(
        email=form["email"],
        name=form["name"],
        role=form["role"],
        password_hash=hash_password(form["password"]),
    )
    db().add(officer)
    db().flush()
    db().add(OfficerCapacity(officer_id=officer.id, max_open_cases=int(form["capacity"])))
    audit.record(
        db(),
        f"officer:{current_officer().id}",
        "officer.created",
        subject=f"officer:{officer.id}",
        details={"role": officer.role},
    )
    db().commit()
    flash(f"Officer {officer.name} created.")
    return redirect(url_for("admin.officers"))


@bp.post("/officers/<int:officer_id>")
@require_role("admin")
def update(officer_id: int) -> Any:
    officer = db().get(Officer, officer_id)
    if officer is None:
        abort(404)
    me = current_officer()
    form = dict(request.form.items())
    form.setdefault("capacity", str(_capacity(officer.id)))  # left out: unchanged
    errors = _form_errors(form, new=False)
    active = form.get("active") == "on"
    if officer.id == me.id and (not active or form.get("role") != "admin"):
        errors.append("role: you cannot remove your own admin access")
    if errors:
        for error in errors:
            flash(error)
        return redirect(url_for("admin.officers"))
    changes = {}
    if officer.role != form["role"]:
        changes["role"] = [officer.role, form["role"]]
        officer.role = form["role"]
    if officer.active != active:
        changes["active"] = [officer.active, active]
        officer.active = active
        end_sessions(officer)  # a reactivated officer signs in afresh (security finding 10)
    cap = db().get(OfficerCapacity, officer.id) or OfficerCapacity(officer_id=officer.id)
    if _capacity(officer.id) != int(form["capacity"]):
        changes["capacity"] = [_capacity(officer.id), int(form["capacity"])]
    cap.max_open_cases = int(form["capacity"])
    db().add(cap)
    if form.get("password"):
        officer.password_hash = hash_password(form["password"])
        changes["password"] = "reset"  # never the password itself
        end_sessions(officer)  # whoever had the old password is signed out (finding 10)
    audit.record(
        db(),
        f"officer:{me.id}",
        "officer.updated",
        subject=f"officer:{officer.id}",
        details=changes,
    )
    db().commit()
    flash(f"Officer {officer.name} updated.")
    return redirect(url_for("admin.officers"))


# --- Event webhooks: subscriptions, their delivery health, replay (issue 15) ------------------


def _subscription(sub_id: int) -> EventSubscription:
    sub = db().get(EventSubscription, sub_id)
    if sub is None:
        abort(404)
    return sub


def _events_page(secret: str | None = None, created: EventSubscription | None = None) -> Any:
    page = render_template(
        "admin/events.html",
        rows=subscriptions.health(db()),
        types=outbound.TYPES,
        shown_url=subscriptions.shown_url,
        secret=secret,
        created=created,
    )
    # The secret is on this one page only: no cache may keep it.
    return page, 200, {"Cache-Control": "no-store"}


@bp.get("/events")
@require_role("admin")
def events() -> Any:
    return _events_page()


@bp.post("/events")
@require_role("admin")
def subscribe() -> Any:
    try:
        sub, secret = subscriptions.create(
            db(),
            request.form.get("name", ""),
            request.form.get("url", ""),
            request.form.getlist("types"),
            actor=f"officer:{current_officer().id}",
            now=request_now(),
            production=settings().production,
        )
    except subscriptions.SubscriptionError as exc:
        db().rollback()
        for error in str(exc).splitlines():
            flash(error)
        return redirect(url_for("admin.events"))
    db().commit()
    # Rendered, not redirected: a flashed secret would travel in the session cookie.
    return _events_page(secret=secret, created=sub)


@bp.post("/events/<int:sub_id>/<any(pause, resume):action>")
@require_role("admin")
def pause_or_resume(sub_id: int, action: str) -> Any:
    sub = _subscription(sub_id)
    actor = f"officer:{current_officer().id}"
    subscriptions.set_active(db(), sub, action == "resume", actor=actor, now=request_now())
    db().commit()
    flash(f"Subscription {sub.name} {'resumed' if action == 'resume' else 'paused'}.")
    return redirect(url_for("admin.events"))


@bp.post("/events/<int:sub_id>/delete")
@require_role("admin")
def unsubscribe(sub_id: int) -> Any:
    sub = _subscription(sub_id)
    name = sub.name
    subscriptions.remove(db(), sub, actor=f"officer:{current_officer().id}", now=request_now())
    db().commit()
    flash(f"Subscription {name} deleted.")
    return redirect(url_for("admin.events"))


@bp.post("/events/<int:sub_id>/replay")
@require_role("admin")
def replay(sub_id: int) -> Any:
    sub = _subscription(sub_id)
    raw = request.form.get("since", "").strip()
    since = None
    if raw:
        since = params.to_instant(raw)
        if since is None:
            flash("since: a date like 2026-11-24 or an instant like 2026-11-24T16:00:00Z")
            return redirect(url_for("admin.events"))
    count = subscriptions.replay(
        db(), sub, actor=f"officer:{current_officer().id}", now=request_now(), since=since
    )
    db().commit()
    flash(f"{count} deliveries queued again for {sub.name}.")
    return redirect(url_for("admin.events"))


@bp.get("/api-keys")
@require_role("admin")
def api_keys() -> Any:
    """The REST API's keys: name, scopes, the first characters, created, revoked."""
    return render_template("admin/api_keys.html", keys=keys.list_keys(db()))


@bp.post("/api-keys/<int:key_id>/revoke")
@require_role("admin")
def revoke_api_key(key_id: int) -> Any:
    row = db().get(ApiKey, key_id)
    if row is None:
        abort(404)
    keys.revoke_key(db(), row.name, request_now(), f"officer:{current_officer().id}")
    flash(f"API key {row.name} revoked: its requests are refused from now on.")
    return redirect(url_for("admin.api_keys"))
