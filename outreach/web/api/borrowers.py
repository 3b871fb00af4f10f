"""``GET /api/v1/borrowers/{external_id}/timeline``: messages with their policy decisions,
plans, promises, cases, flags and payments (``outreach.integrations.timeline``)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from outreach.integrations import timeline
from outreach.web import db
from outreach.web.api.access import requires
from outreach.web.api.blueprint import bp
from outreach.web.api.fields import money_out
from outreach.web.api.flags import BORROWER_PARAM, FlagState, borrower_or_404


class LimitArgs(ma.Schema):
    limit = ma.fields.Integer(
        load_default=100,
        validate=ma.validate.Range(min=1, max=timeline.MAX_LIMIT),
        metadata={"description": "rows of each kind, newest kept (default 100)"},
    )


class Decision(ma.Schema):
    allowed = ma.fields.Boolean(required=True)
    reasons = ma.fields.List(ma.fields.String(), required=True)
    next_allowed_at = ma.fields.String(allow_none=True)
    zones = ma.fields.List(ma.fields.String())
    rules_version = ma.fields.String(allow_none=True)
    basis = ma.fields.String(allow_none=True)


class MessageOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    at = ma.fields.DateTime(required=True)
    direction = ma.fields.String(required=True, metadata={"enum": ["in", "out"]})
    channel = ma.fields.String(required=True)
    sender = ma.fields.String(required=True)
    template = ma.fields.String(allow_none=True, required=True)
    loan_number = ma.fields.String(allow_none=True, required=True)
    status = ma.fields.String(required=True)
    body = ma.fields.String(required=True)
    sent_at = ma.fields.DateTime(allow_none=True, required=True)
    decision = ma.fields.Nested(Decision, allow_none=True, required=True)


class InstalmentOut(ma.Schema):
    seq = ma.fields.Integer(required=True)
    due_date = ma.fields.Date(required=True)
    amount = money_out(required=True)
    paid_amount = money_out(required=True)
    status = ma.fields.String(required=True)


class PlanOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    loan_number = ma.fields.String(allow_none=True, required=True)
    status = ma.fields.String(required=True)
    frequency = ma.fields.String(required=True)
    instalment_amount = money_out(required=True)
    instalment_count = ma.fields.Integer(required=True)
    total = money_out(required=True)
    start_date = ma.fields.Date(required=True)
    created_by = ma.fields.String(required=True)
    created_at = ma.fields.DateTime(required=True)
    accepted_at = ma.fields.DateTime(allow_none=True, required=True)
    broken_at = ma.fields.DateTime(allow_none=True, required=True)
    completed_at = ma.fields.DateTime(allow_none=True, required=True)
    instalments = ma.fields.List(ma.fields.Nested(InstalmentOut), required=True)


class PromiseOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    loan_number = ma.fields.String(allow_none=True, required=True)
    status = ma.fields.String(required=True)
    amount = money_out(allow_none=True, required=True)
    promised_date = ma.fields.Date(required=True)
    created_by = ma.fields.String(required=True)
    created_at = ma.fields.DateTime(required=True)
    resolved_at = ma.fields.DateTime(allow_none=True, required=True)


class CaseOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    reason = ma.fields.String(required=True)
    priority = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)
    opened_at = ma.fields.DateTime(required=True)
    claimed_at = ma.fields.DateTime(allow_none=True, required=True)
    closed_at = ma.fields.DateTime(allow_none=True, required=True)


class PaymentRow(ma.Schema):
    loan_number = ma.fields.String(allow_none=True, required=True)
    amount = money_out(required=True)
    paid_at = ma.fields.DateTime(required=True)
    reference = ma.fields.String(allow_none=True, required=True)


class BorrowerRef(ma.Schema):
    external_id = ma.fields.String(required=True)
    loans = ma.fields.List(ma.fields.String(), required=True)


class Timeline(ma.Schema):
    borrower = ma.fields.Nested(BorrowerRef, required=True)
    messages = ma.fields.List(ma.fields.Nested(MessageOut), required=True)
    plans = ma.fields.List(ma.fields.Nested(PlanOut), required=True)
    promises = ma.fields.List(ma.fields.Nested(PromiseOut), required=True)
    cases = ma.fields.List(ma.fields.Nested(CaseOut), required=True)
    flags = ma.fields.List(ma.fields.Nested(FlagState), required=True)
    payments = ma.fields.List(ma.fields.Nested(PaymentRow), required=True)


@bp.route("/borrowers/<path:external_id>/timeline", methods=["GET"], parameters=[BORROWER_PARAM])
@requires("borrowers:read")
@bp.doc(tags=["borrowers"])
@bp.arguments(LimitArgs, location="query")
@bp.response(200, Timeline)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def borrower_timeline(args: dict[str, Any], external_id: str) -> dict[str, Any]:
    """A borrower's timeline

    Messages (each with its contact-policy decision), plans with their instalments, promises,
    handoff cases, flags and payments: the newest `limit` of each, oldest first."""
    return timeline.build(db(), borrower_or_404(external_id), args["limit"])
