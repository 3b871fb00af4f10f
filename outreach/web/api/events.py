"""``GET /api/v1/events``: outbound events since a cursor, paged
(``outreach.integrations.event_feed``)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from outreach import events
from outreach.integrations import event_feed as feed
from outreach.web import db
from outreach.web.api.access import requires
from outreach.web.api.blueprint import bp


class EventsArgs(ma.Schema):
    cursor = ma.fields.String(
        metadata={"description": "next_cursor from the previous page; absent: from the beginning"},
        validate=ma.validate.Length(max=200),
    )
    limit = ma.fields.Integer(
        load_default=feed.DEFAULT_LIMIT,
        validate=ma.validate.Range(min=1, max=feed.MAX_LIMIT),
        metadata={"description": "events read per page (default 100)"},
    )
    type = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(sorted(events.TYPES))),
        metadata={"description": "only these event types (repeat the parameter)"},
    )


class EventOut(ma.Schema):
    type = ma.fields.String(required=True, metadata={"examples": ["payment.received"]})
    id = ma.fields.String(required=True, metadata={"examples": ["evt_0123456789abcdef"]})
    occurred_at = ma.fields.String(required=True, metadata={"format": "date-time"})
    data = ma.fields.Dict(required=True)


class EventsPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(EventOut), required=True)
    next_cursor = ma.fields.String(required=True)
    has_more = ma.fields.Boolean(required=True)


@bp.route("/events", methods=["GET"])
@requires("events:read")
@bp.doc(tags=["events"])
@bp.arguments(EventsArgs, location="query")
@bp.response(200, EventsPage)
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def list_events(args: dict[str, Any]) -> dict[str, Any]:
    """Events since a cursor

    The outbound events (the same bodies the webhooks deliver), oldest first. Keep
    `next_cursor` and pass it next time; `has_more` says another page is ready now."""
    page = feed.since(db(), args.get("cursor"), args["limit"], args.get("type"))
    return {"items": page.items, "next_cursor": page.next_cursor, "has_more": page.has_more}
