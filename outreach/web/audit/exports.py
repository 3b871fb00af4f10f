"""Downloads: a search as streamed CSV or JSON, and one borrower's subject-access export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from flask import Response, abort, request, stream_with_context
from sqlalchemy.orm import Session

from outreach.audit import log as audit
from outreach.audit.export import messages_csv, messages_json, subject_access
from outreach.audit.search import FilterError, parse_filter
from outreach.web import db, request_now
from outreach.web.audit.blueprint import AUDIT_ROLES, bp
from outreach.web.auth import current_officer, require_role


def _closing(session: Session, chunks: Iterator[str]) -> Iterator[str]:
    # End the read transaction as soon as the last row is out (or the client goes away), not
    # when the server gets round to closing the response: a long export holds no locks after.
    try:
        yield from chunks
    finally:
        session.close()


@bp.get("/export.<fmt>")
@require_role(*AUDIT_ROLES)
def export(fmt: str) -> Any:
    if fmt not in ("csv", "json"):
        abort(404)
    try:
        flt = parse_filter(request.args)
    except FilterError as exc:
        return Response(f"{exc}\n", status=400, mimetype="text/plain")
    session = db()
    # Who exported what is itself audited (the filter, never the rows).
    audit.record(
        session,
        f"officer:{current_officer().id}",
        "audit.exported",
        details={"format": fmt, "filter": flt.as_params()},
    )
    session.commit()
    stamp = request_now().strftime("%Y%m%dT%H%M%SZ")
    body = _closing(
        session, messages_csv(session, flt) if fmt == "csv" else messages_json(session, flt)
    )
    mimetype = "text/csv" if fmt == "csv" else "application/json"
    return Response(
        stream_with_context(body),
        mimetype=f"{mimetype}; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="messages-{stamp}.{fmt}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@bp.get("/borrowers/<int:borrower_id>/subject-access.json")
@require_role(*AUDIT_ROLES)
def subject_access_export(borrower_id: int) -> Any:
    session = db()
    data = subject_access(session, borrower_id)
    if data is None:
        abort(404)
    audit.record(
        session,
        f"officer:{current_officer().id}",
        "subject.exported",
        subject=f"borrower:{borrower_id}",
        borrower_id=borrower_id,
    )
    session.commit()
    return Response(
        json.dumps(data, indent=1, default=str),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="subject-access-{borrower_id}.json"',
            "Cache-Control": "no-store",
        },
    )
