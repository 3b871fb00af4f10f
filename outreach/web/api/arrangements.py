"""``GET /api/v1/arrangements/changes``: plans and promises changed since a cursor, paged
(``outreach.integrations.arrangement_feed``)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from outreach.integrations import arrangement_feed as feed
from outreach.web import db
from outreach.web.api.access import requires
from outreach.web.api.blueprint import bp
from outreach.web.api.fields import money_out


class ChangesArgs(ma.Schema):
    cursor = ma.fields.String(
        metadata={"description": "next_cursor from the previous page; absent: from the beginning"},
        validate=ma.validate.Length(max=200),
    )
    limit = ma.fields.Integer(
        load_default=feed.DEFAULT_LIMIT,
        validate=ma.validate.Range(min=1, max=feed.MAX_LIMIT),
        metadata={"description": "changes read per page (default 100)"},
    )


class Change(ma.Schema):
    action = ma.fields.String(
        required=True, metadata={"examples": ["promise.recorded", "promise.kept", "plan.broken"]}
    )
    at = ma.fields.DateTime(required=True)
    seq = ma.fields.Integer(required=True)


class ArrangementOut(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(["plan", "promise"]))
    id = ma.fields.Integer(required=True)
    loan_number = ma.fields.String(required=True)
    borrower_external_id = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    amount = money_out(
        allow_none=True,
        required=True,
        metadata={"description": "a plan's total; a promise's amount (null: any payment)"},
    )
    instalment_amount = money_out(allow_none=True, required=True)
    instalment_count = ma.fields.Integer(allow_none=True, required=True)
    frequency = ma.fields.String(allow_none=True, required=True)
    start_date = ma.fields.Date(allow_none=True, required=True)
    promised_date = ma.fields.Date(allow_none=True, required=True)
    created_by = ma.fields.String(required=True)
    created_at = ma.fields.DateTime(required=True)
    change = ma.fields.Nested(Change, required=True)


class ChangesPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ArrangementOut), required=True)
    next_cursor = ma.fields.String(required=True)
    has_more = ma.fields.Boolean(required=True)


@bp.route("/arrangements/changes", methods=["GET"])
@requires("borrowers:read")
@bp.doc(tags=["arrangements"])
@bp.arguments(ChangesArgs, location="query")
@bp.response(200, ChangesPage)
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def arrangement_changes(args: dict[str, Any]) -> dict[str, Any]:
    """Arrangements changed since a cursor

    Promises to pay and payment plans, each as it is now, that changed after `cursor`
    (created, kept, broken, current, completed, cancelled), oldest change first. Keep
    `next_cursor` and pass it next time; `has_more` says another page is ready now."""
    page = feed.changes(db(), args.get("cursor"), args["limit"])
    return {"items": page.items, "next_cursor": page.next_cursor, "has_more": page.has_more}
