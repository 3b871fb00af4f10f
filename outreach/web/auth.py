"""Officer sign-in, sign-out, sessions and role checks. Every console route names the roles it
admits.

A session is valid only while (security finding 10):

* it carries the officer's current ``session_version``: signing out, a password reset and a
  (de)activation bump it, which ends every session of that officer on every device;
* the officer made a request in the last ``SESSION_IDLE`` that was not a poll. The console and
  the sandbox refresh themselves every 2 s with ``X-Requested-With: poll``; those requests are
  served but do not count as activity, so an unattended console still times out.

Sign-in is limited per client address and per account in the database
(``outreach.web.login_throttle``, finding 25); every failed sign-in is audited, without the
password and without the email when it names no account.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from argon2.exceptions import InvalidHashError, VerifyMismatchError
from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from sqlalchemy import select

from outreach.audit import log as audit
from outreach.models import Officer
from outreach.officer_accounts import end_sessions, hasher, normalise_email
from outreach.web import db, login_throttle, request_now, settings

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)
# A hash to verify against when the email is unknown, so timing does not reveal which emails exist.
_DUMMY_HASH = hasher.hash("not-a-real-password")
SESSION_IDLE = timedelta(minutes=30)  # the officer idle timeout, counted on user actions only


def is_poll() -> bool:
    """A page refreshing itself (console.js, poll.js), not something the officer did."""
    return request.headers.get("X-Requested-With") == "poll"


def local_path(target: str) -> str | None:
    r"""``target`` if it can only mean a path on this site, else None (security finding 7).

    Browsers drop tabs and newlines from a URL and read ``\`` as ``/``, so ``/\t/evil.example``
    and ``/\evil.example`` both become ``//evil.example``, another site. Only printable ASCII
    without backslashes is accepted, starting with one ``/`` and never ``//``.
    """
    if not target.startswith("/") or target.startswith("//") or len(target) > 2000:
        return None
    if "\\" in target or any(not 0x21 <= ord(ch) <= 0x7E for ch in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def current_officer() -> Officer | None:
    """The signed-in officer, or None (and the session emptied) when the session is no longer
    valid: see the module docstring."""
    if "officer" not in g:
        g.officer = _session_officer()
    return g.officer


def _session_officer() -> Officer | None:
    officer_id, seen = session.get("officer_id"), session.get("seen")
    if officer_id is None:
        return None
    now = request_now().timestamp()
    officer = db().get(Officer, officer_id) if isinstance(officer_id, int) else None
    if (
        officer is None
        or not officer.active
        or session.get("v") != officer.session_version
        or not isinstance(seen, int)
        or now - seen > SESSION_IDLE.total_seconds()
    ):
        session.clear()
        return None
    if not is_poll():
        session["seen"] = int(now)  # only an action moves the idle timeout (and the cookie)
    return officer


def require_role(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Admit only signed-in officers holding one of ``roles`` (admin is admitted everywhere)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            officer = current_officer()
            if officer is None and is_poll():
                # console.js reloads on 401, which lands the officer on the sign-in page (a
                # redirect would be followed by fetch and leave a stale page on screen).
                return "", 401
            if officer is None:
                return redirect(url_for("auth.login", next=request.path))
            if officer.role not in roles and officer.role != "admin":
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _client_address() -> str:
    # Behind TRUSTED_PROXY_COUNT proxies werkzeug's ProxyFix has put the forwarded client here;
    # with no proxy configured a forged X-Forwarded-For changes nothing (create_app).
    return request.remote_addr or "unknown"


def _refused(verdict: login_throttle.Verdict) -> Any:
    until = verdict.until.strftime("%H:%M UTC") if verdict.until else "a few minutes"
    error = (
        f"Too many failed sign-ins from here. Try again after {until}."
        if verdict.scope == "address"
        else f"Too many failed sign-ins for this account. It is locked until {until}."
    )
    return render_template("login.html", error=error), 429


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        return render_template("login.html", error=None)
    email = normalise_email(request.form.get("email", ""))[:254]
    password = request.form.get("password", "")
    address, now = _client_address(), request_now()
    account = login_throttle.account_key(settings().secret_key, email)
    verdict = login_throttle.begin(db(), address=address, account=account, now=now)
    if not verdict.allowed:
        return _refused(verdict)
    officer = db().scalar(select(Officer).where(Officer.email == email))
    try:
        hasher.verify(officer.password_hash if officer else _DUMMY_HASH, password)
        ok = officer is not None and officer.active
    except (VerifyMismatchError, InvalidHashError):
        ok = False
    if not ok:
        _failed(officer, verdict.attempt_id, address=address, account=account)
        return render_template("login.html", error="Wrong email or password."), 401
    login_throttle.settle(db(), verdict.attempt_id, "ok")
    session.clear()
    session.update(officer_id=officer.id, v=officer.session_version, seen=int(now.timestamp()))
    session.permanent = True
    audit.record(db(), f"officer:{officer.id}", "officer.login", details={"address": address})
    db().commit()
    target = local_path(request.args.get("next", "")) or (
        url_for("audit.index") if officer.role == "auditor" else url_for("console.queue")
    )
    return redirect(target)


def _failed(officer: Officer | None, attempt_id: int, *, address: str, account: str) -> None:
    """Settle and audit a failed sign-in: which account (if any), from where, never the password
    nor an email that names no account."""
    login_throttle.settle(db(), attempt_id, "failed")
    db().flush()
    reason = (
        "unknown_account" if officer is None else ("password" if officer.active else "inactive")
    )
    subject = f"officer:{officer.id}" if officer else None
    audit.record(
        db(),
        "anonymous",
        "officer.login_failed",
        subject=subject,
        details={"address": address, "reason": reason},
    )
    for scope in login_throttle.filled(db(), address=address, account=account, now=request_now()):
        audit.record(
            db(),
            "system",
            "officer.login_locked",
            subject=subject if scope == "account" else None,
            details={"scope": scope, "address": address},
        )
    db().commit()
    log.info("failed sign-in (%s)", reason)  # no email, no address: the audit log has them


@bp.post("/logout")
def logout() -> Any:
    officer = current_officer()
    if officer is not None:
        end_sessions(officer)  # this cookie, and any copy of it, stops working now
        audit.record(db(), f"officer:{officer.id}", "officer.logout")
        db().commit()
    session.clear()
    flash("Signed out.")
    return redirect(url_for("auth.login"))
