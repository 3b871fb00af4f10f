"""Email unsubscribe: a link in every email footer and RFC 8058 one-click unsubscribe.

``GET /unsubscribe/<token>`` shows a page with one button; ``POST /unsubscribe/<token>`` (the
button, or a mail client's one-click ``List-Unsubscribe=One-Click`` POST) marks the borrower's
email addresses opted out (12 CFR 1006.6(e), RULES.md RF-OPTOUT-NOTICE; 1006.14(h) RF-MEDIUM).
The token (``outreach.messaging.links``) is signed for this purpose only and expires after 60
days (security finding 26); an expired link's page says how to opt out still (the link in a
newer email, or STOP by text). It identifies the borrower and nothing else; the page shows no
account detail, in the borrower's language (English or Spanish). The POST is CSRF-exempt
because mail clients cannot send a CSRF token; the signed token is what authorises it, and
opting out is the only thing it can do. Access logs never carry the token (``access_log.py``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from sqlalchemy import select

from outreach import events
from outreach.audit import log as audit
from outreach.messaging.links import LinkRead, read_unsubscribe_token
from outreach.models import Borrower, ContactPoint
from outreach.selfservice.locale import language_of
from outreach.web import db, request_now, settings

bp = Blueprint("unsubscribe", __name__, url_prefix="/unsubscribe")
STATUS = {"expired": 410, "invalid": 404}


def _language(read: LinkRead) -> str:
    """The borrower's language when the link names one, else the browser's."""
    borrower = db().get(Borrower, read.borrower_id) if read.borrower_id is not None else None
    if borrower is not None and (language := language_of(borrower.locale)):
        return language
    return request.accept_languages.best_match(["en", "es"]) or "en"


def _page(state: str, read: LinkRead, token: str = "") -> Any:
    page = render_template(
        "unsubscribe.html",
        state=state,
        token=token,
        lang=_language(read),
        lender=settings().lender_name,
    )
    return page, STATUS.get(state, 200)


@bp.get("/<token>")
def confirm(token: str) -> Any:
    read = read_unsubscribe_token(settings(), token)
    return _page("confirm" if read.state == "valid" else read.state, read, token)


@bp.post("/<token>")
def unsubscribe(token: str) -> Any:
    read = read_unsubscribe_token(settings(), token)
    if read.state != "valid" or read.borrower_id is None:
        return _page(read.state, read)
    borrower_id = read.borrower_id
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
    events.emit_opted_out(session, changed, "email_unsubscribe", now)
    session.commit()
    if one_click:
        return ("", 204)
    return _page("done", read)
