"""Auditor pages: borrowers and every message to and from each, with decision and status."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template
from sqlalchemy import func, select

from .. import audit
from ..models import Borrower, Message
from . import db
from .auth import current_officer, require_role

bp = Blueprint("audit", __name__, url_prefix="/audit")
AUDIT_ROLES = ("auditor", "supervisor")


@bp.get("/")
@require_role(*AUDIT_ROLES)
def index() -> Any:
    counts = (select(Message.borrower_id, func.count(Message.id).label("n"))
              .group_by(Message.borrower_id).subquery())
    rows = db().execute(
        select(Borrower, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.borrower_id == Borrower.id)
        .order_by(Borrower.full_name)
    ).all()
    unknown = db().scalar(select(func.count(Message.id)).where(Message.borrower_id.is_(None)))
    return render_template("audit/index.html", rows=rows, unknown=unknown)


@bp.get("/borrowers/<int:borrower_id>")
@require_role(*AUDIT_ROLES)
def borrower(borrower_id: int) -> Any:
    b = db().get(Borrower, borrower_id)
    if b is None:
        abort(404)
    officer = current_officer()
    audit.record(db(), f"officer:{officer.id}", "borrower.viewed", subject=f"borrower:{b.id}",
                 borrower_id=b.id)
    db().commit()
    messages = db().scalars(select(Message).where(Message.borrower_id == b.id)
                            .order_by(Message.created_at, Message.id)).all()
    return render_template("audit/borrower.html", borrower=b, messages=messages)


@bp.get("/unknown")
@require_role(*AUDIT_ROLES)
def unknown() -> Any:
    """Messages from numbers no borrower has (logged, never matched to an account)."""
    messages = db().scalars(select(Message).where(Message.borrower_id.is_(None))
                            .order_by(Message.created_at, Message.id).limit(500)).all()
    return render_template("audit/borrower.html", borrower=None, messages=messages)
