"""Demo sandbox: each demo borrower's phone, the messages "sent" to it, and a box to answer.

Answers enter through exactly the same inbound handler as a signed Twilio webhook. Only in demo
mode (no Twilio credentials): with real credentials these routes do not exist.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import or_, select

from ..models import Borrower, ContactPoint, Message
from . import db, settings
from .webhooks import handle_inbound

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox")


@bp.before_request
def _demo_only() -> None:
    if not settings().demo_mode:
        abort(404)


@bp.get("/")
def index() -> Any:
    points = (
        db()
        .scalars(
            select(ContactPoint)
            .join(Borrower)
            .where(ContactPoint.channel.in_(("sms", "whatsapp")))
            .order_by(Borrower.full_name, ContactPoint.channel)
        )
        .all()
    )
    return render_template("sandbox/index.html", points=points)


@bp.get("/phones/<int:point_id>")
def phone(point_id: int) -> Any:
    point = db().get(ContactPoint, point_id)
    if point is None or point.channel not in ("sms", "whatsapp"):
        abort(404)
    messages = (
        db()
        .scalars(
            select(Message)
            .where(
                Message.address == point.address,
                Message.channel == point.channel,
                or_(Message.direction == "in", Message.status != "blocked"),
            )
            .order_by(Message.id)
        )
        .all()
    )
    return render_template("sandbox/phone.html", point=point, messages=messages)


@bp.post("/phones/<int:point_id>")
def answer(point_id: int) -> Any:
    point = db().get(ContactPoint, point_id)
    if point is None or point.channel not in ("sms", "whatsapp"):
        abort(404)
    body = request.form.get("body", "").strip()
    if body:
        prefix = "whatsapp:" if point.channel == "whatsapp" else ""
        handle_inbound(
            point.channel,
            {"MessageSid": "SM" + uuid.uuid4().hex, "From": prefix + point.address, "Body": body},
        )
    return redirect(url_for("sandbox.phone", point_id=point.id) + "#latest")
