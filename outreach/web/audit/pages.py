"""Auditor pages: borrower list, per-borrower timeline, unknown numbers, chain, legal holds."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from outreach.audit import chain as audit_chain
from outreach.audit import log as audit
from outreach.models import Borrower, LegalHold, Message
from outreach.web import db, params, request_now
from outreach.web.audit import timeline
from outreach.web.audit.blueprint import AUDIT_ROLES, HOLD_ROLES, bp
from outreach.web.auth import current_officer, require_role

BORROWERS_PER_PAGE = 50


def chain_status() -> audit_chain.ChainStatus:
    return audit_chain.status(db())


@bp.get("/")
@require_role(*AUDIT_ROLES)
def index() -> Any:
    after = params.query_id("after")
    borrowers = (
        db()
        .scalars(
            select(Borrower)
            .where(Borrower.id > after)
            .order_by(Borrower.id)
            .limit(BORROWERS_PER_PAGE + 1)
        )
        .all()
    )
    more = len(borrowers) > BORROWERS_PER_PAGE
    borrowers = borrowers[:BORROWERS_PER_PAGE]
    ids = [b.id for b in borrowers]
    counts = (
        dict(
            db()
            .execute(
                select(Message.borrower_id, func.count())
                .where(Message.borrower_id.in_(ids))
                .group_by(Message.borrower_id)
            )
            .all()
        )
        if ids
        else {}
    )
    unknown = db().scalar(select(func.count()).where(Message.borrower_id.is_(None)))
    return render_template(
        "audit/index.html",
        rows=[(b, counts.get(b.id, 0)) for b in borrowers],
        unknown=unknown,
        next_after=ids[-1] if more else None,
        chain=chain_status(),
    )


@bp.get("/borrowers/<int:borrower_id>")
@require_role(*AUDIT_ROLES)
def borrower(borrower_id: int) -> Any:
    b = db().get(Borrower, borrower_id)
    if b is None:
        abort(404)
    officer = current_officer()
    audit.record(
        db(),
        f"officer:{officer.id}",
        "borrower.viewed",
        subject=f"borrower:{b.id}",
        borrower_id=b.id,
    )
    db().commit()
    holds = (
        db()
        .scalars(
            select(LegalHold).where(LegalHold.borrower_id == b.id, LegalHold.released_at.is_(None))
        )
        .all()
    )
    return render_template(
        "audit/timeline.html",
        borrower=b,
        entries=timeline.build(db(), b.id),
        holds=holds,
        can_hold=officer.role in (*HOLD_ROLES, "admin"),
        chain=chain_status(),
    )


@bp.get("/unknown")
@require_role(*AUDIT_ROLES)
def unknown() -> Any:
    """Messages from numbers no borrower has (logged, never matched to an account)."""
    messages = (
        db()
        .scalars(
            select(Message)
            .where(Message.borrower_id.is_(None))
            .order_by(Message.created_at, Message.id)
            .limit(500)
        )
        .all()
    )
    return render_template("audit/borrower.html", borrower=None, messages=messages)


@bp.post("/chain/verify")
@require_role(*AUDIT_ROLES)
def verify_chain() -> Any:
    """A full verification from the genesis (writes only a checkpoint)."""
    point = audit_chain.verify(db(), full=True, officer_id=current_officer().id)
    if point.broken_id is None:
        flash(f"Audit chain intact: {point.checked} events verified.")
    else:
        flash(f"Audit chain BROKEN at event #{point.broken_id}.")
    return redirect(request.referrer if _local(request.referrer) else url_for("audit.index"))


def _local(target: str | None) -> bool:
    return bool(target) and target.startswith(request.host_url)


@bp.post("/borrowers/<int:borrower_id>/holds")
@require_role(*HOLD_ROLES)
def place_hold(borrower_id: int) -> Any:
    if db().get(Borrower, borrower_id) is None:
        abort(404)
    reason = request.form.get("reason", "").strip()
    if not reason or len(reason) > 500:
        flash("reason: required, at most 500 characters (the hold was not placed).")
        return redirect(url_for("audit.borrower", borrower_id=borrower_id))
    actor = f"officer:{current_officer().id}"
    hold = LegalHold(borrower_id=borrower_id, reason=reason, placed_by=actor)
    db().add(hold)
    db().flush()
    audit.record(
        db(),
        actor,
        "legal_hold.placed",
        subject=f"hold:{hold.id}",
        borrower_id=borrower_id,
        details={"reason": reason},
    )
    db().commit()
    flash("Legal hold placed: nothing on this borrower will be purged until it is released.")
    return redirect(url_for("audit.borrower", borrower_id=borrower_id))


@bp.post("/holds/<int:hold_id>/release")
@require_role(*HOLD_ROLES)
def release_hold(hold_id: int) -> Any:
    hold = db().get(LegalHold, hold_id)
    if hold is None:
        abort(404)
    if hold.released_at is None:
        actor = f"officer:{current_officer().id}"
        hold.released_at, hold.released_by = request_now(), actor
        audit.record(
            db(),
            actor,
            "legal_hold.released",
            subject=f"hold:{hold.id}",
            borrower_id=hold.borrower_id,
        )
        db().commit()
        flash("Legal hold released.")
    return redirect(url_for("audit.borrower", borrower_id=hold.borrower_id))
