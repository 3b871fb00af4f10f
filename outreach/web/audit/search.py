"""Message search page: filters, newest first, keyset pages, export links."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from sqlalchemy import select

from outreach.audit.search import (
    DECISIONS,
    DIRECTIONS,
    PAGE_SIZE,
    FilterError,
    MessageFilter,
    cursor_for,
    parse_cursor,
    parse_filter,
    query,
)
from outreach.models import CHANNELS, Officer
from outreach.web import db
from outreach.web.audit.blueprint import AUDIT_ROLES, bp
from outreach.web.auth import require_role


@bp.get("/search")
@require_role(*AUDIT_ROLES)
def search() -> Any:
    error = None
    rows: list[Any] = []
    next_cursor = None
    try:
        flt = parse_filter(request.args)
        after = parse_cursor(request.args.get("after", ""))
    except FilterError as exc:
        error, flt, after = str(exc), MessageFilter(), None
    searched = bool(flt.as_params()) or "go" in request.args
    if error is None and searched:
        rows = db().execute(query(flt, after=after, limit=PAGE_SIZE + 1)).all()
        if len(rows) > PAGE_SIZE:
            rows = rows[:PAGE_SIZE]
            next_cursor = cursor_for(rows[-1])
    officers = db().execute(select(Officer.id, Officer.name).order_by(Officer.name)).all()
    return render_template(
        "audit/search.html",
        flt=flt,
        args=request.args,
        rows=rows,
        error=error,
        searched=searched,
        next_cursor=next_cursor,
        params=flt.as_params(),
        channels=CHANNELS,
        directions=DIRECTIONS,
        decisions=DECISIONS,
        officers=officers,
    ), (400 if error else 200)
