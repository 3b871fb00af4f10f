"""Email unsubscribe: a link in every email footer and RFC 8058 one-click unsubscribe.

``GET /unsubscribe/<token>`` shows a page with one button; ``POST /unsubscribe/<token>`` (the
button, or a mail client's one-click ``List-Unsubscribe=One-Click`` POST) marks the borrower's
email addresses opted out (12 CFR 1006.6(e), RULES.md RF-OPTOUT-NOTICE; 1006.14(h) RF-MEDIUM).
The token is signed with the app secret for this purpose only and does not expire: an
unsubscribe link must keep working for as long as the email exists. It identifies the borrower
and nothing else; the page shows no account detail. The POST is CSRF-exempt because mail clients
cannot send a CSRF token; the signed token is what authorises it, and opting out is the only
thing it can do.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from .. import audit
from ..models import ContactPoint
from ..settings import Settings
from . import db, request_now, settings

bp = Blueprint("unsubscribe", __name__, url_prefix="/unsubscribe")
SALT = "email-unsubscribe.v1"


def _serializer(s: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(s.secret_key, salt=SALT)


def unsubscribe_url(s: Settings, borrower_id: int) -> str:
    return f"{s.public_base_url}/unsubscribe/{_serializer(s).dumps({'b': borrower_id})}"


def _borrower_id(token: str) -> int | None:
    try:
        data = _serializer(settings()).loads(token)
    except BadSignature:
        return None
    value = data.get("b") if isinstance(data, dict) else None
    return value if isinstance(value, int) else None


@bp.get("/<token>")
def confirm(token: str) -> Any:
    if _borrower_id(token) is None:
        return render_template(
            "unsubscribe.html", state="invalid", lender=settings().lender_name
        ), 404
    return render_template(
        "unsubscribe.html", state="confirm", token=token, lender=settings().lender_name
    )


@bp.post("/<token>")
def unsubscribe(token: str) -> Any:
    borrower_id = _borrower_id(token)
    if borrower_id is None:
        return render_template(
            "unsubscribe.html", state="invalid", lender=settings().lender_name
        ), 404
    session = db()
    now = request_now()
    points = session.scalars(
        select(ContactPoint).where(
            ContactPoint.borrower_id == borrower_id, ContactPoint.channel == "email"
        )
    ).all()
    changed = [p for p in points if p.opted_out_at is None]
    for point in changed:
        point.opted_out_at = now
    one_click = request.form.get("List-Unsubscribe") == "One-Click"
    audit.record(
        session,
        "borrower",
        "email.unsubscribed",
        subject=f"borrower:{borrower_id}",
        borrower_id=borrower_id,
        details={"addresses": len(changed), "one_click": one_click},
    )
    session.commit()
    if one_click:
        return ("", 204)
    return render_template("unsubscribe.html", state="done", lender=settings().lender_name)
