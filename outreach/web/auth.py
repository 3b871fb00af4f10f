"""Officer login, logout and role checks. Every console route names the roles it admits."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from argon2.exceptions import InvalidHashError, VerifyMismatchError
from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from sqlalchemy import select

from .. import audit
from ..models import Officer
from ..officer_accounts import hasher
from . import db

bp = Blueprint("auth", __name__)
# A hash to verify against when the email is unknown, so timing does not reveal which emails exist.
_DUMMY_HASH = hasher.hash("not-a-real-password")


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
    if "officer" not in g:
        officer_id = session.get("officer_id")
        officer = db().get(Officer, officer_id) if officer_id else None
        g.officer = officer if officer is not None and officer.active else None
    return g.officer


def require_role(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Admit only signed-in officers holding one of ``roles`` (admin is admitted everywhere)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            officer = current_officer()
            if officer is None:
                return redirect(url_for("auth.login", next=request.path))
            if officer.role not in roles and officer.role != "admin":
                abort(403)
            session.permanent = True  # refreshes the idle timeout on every request
            return view(*args, **kwargs)

        return wrapped

    return decorator


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    error = None
    if request.method == "POST":
        email = request.form.get("email", "").strip().lower()
        password = request.form.get("password", "")
        officer = db().scalar(select(Officer).where(Officer.email == email))
        try:
            hasher.verify(officer.password_hash if officer else _DUMMY_HASH, password)
            ok = officer is not None and officer.active
        except (VerifyMismatchError, InvalidHashError):
            ok = False
        if ok:
            session.clear()
            session["officer_id"] = officer.id
            session.permanent = True
            audit.record(db(), f"officer:{officer.id}", "officer.login")
            db().commit()
            target = local_path(request.args.get("next", "")) or (
                url_for("audit.index") if officer.role == "auditor" else url_for("console.queue")
            )
            return redirect(target)
        error = "Wrong email or password."
    return render_template("login.html", error=error), (401 if error else 200)


@bp.post("/logout")
def logout() -> Any:
    session.clear()
    flash("Signed out.")
    return redirect(url_for("auth.login"))
