"""``POST /api/v1/loan-book``: borrowers, contact points and loans upserted in bulk, by the CSV
import's rules (``outreach.integrations.loan_book``); per-item results, good items kept."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from outreach.integrations import loan_book
from outreach.integrations.problems import FieldProblem, InvalidInput
from outreach.loan_import.rows import COLUMNS, MAX_LENGTHS, REQUIRED, TEXT_LIMIT
from outreach.web import db, request_now
from outreach.web.api.access import requires
from outreach.web.api.blueprint import ProblemField, bp
from outreach.web.api.body import MISSING, json_body
from outreach.web.api.idempotent import idempotent

_COLUMN_HELP = {
    "external_id": "the lender's borrower id",
    "locale": "e.g. en_US, es_MX (default en)",
    "country": "ISO 3166-1 alpha-2 (GB, not UK)",
    "timezone": "an IANA zone the borrower stated",
    "date_of_birth": "YYYY-MM-DD",
    "phone": "E.164, or national format for the item's country",
    "whatsapp": "E.164, or national format for the item's country",
    "postal_address": "for letters: its lines separated by commas",
    "consent_at": "ISO-8601 instant with an offset or Z",
    "currency": "ISO 4217 code of money in use",
    "principal": "a decimal amount, e.g. 1234.50",
    "outstanding": "a decimal amount, e.g. 1234.50",
    "past_due_amount": "a decimal amount (default 0)",
    "days_past_due": "whole days, 0 to 36500 (default 0)",
    "next_due_date": "YYYY-MM-DD",
    "next_due_amount": "a decimal amount",
    "status": "current, delinquent, paid, settled or charged_off (default current)",
}


def _column(name: str) -> ma.fields.Field:
    numeric = name in loan_book.NUMERIC
    metadata: dict[str, Any] = {
        "type": ["string", "number", "null"] if numeric else ["string", "null"],
        "description": _COLUMN_HELP.get(name, ""),
    }
    if not numeric:
        metadata["maxLength"] = MAX_LENGTHS.get(name, TEXT_LIMIT)
    return ma.fields.Raw(required=name in REQUIRED, metadata=metadata)


# The loan-book columns (examples/README.md), documented; validated by the import's own code.
# Other members are ignored, as other CSV columns are (hence unknown = INCLUDE).
LoanBookItem = type(
    "LoanBookItem",
    (ma.Schema,),
    {
        **{name: _column(name) for name in COLUMNS},
        "Meta": type("Meta", (), {"unknown": ma.INCLUDE}),
    },
)


class LoanBookRequest(ma.Schema):
    items = ma.fields.List(
        ma.fields.Nested(LoanBookItem),
        required=True,
        validate=ma.validate.Length(min=1, max=loan_book.MAX_ITEMS),
    )


class ItemResult(ma.Schema):
    index = ma.fields.Integer(required=True)
    pointer = ma.fields.String(required=True)
    outcome = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(["created", "updated", "unchanged", "rejected"]),
    )
    external_id = ma.fields.String(allow_none=True)
    loan_number = ma.fields.String(allow_none=True)
    errors = ma.fields.List(ma.fields.Nested(ProblemField), required=True)


class Summary(ma.Schema):
    received = ma.fields.Integer(required=True)
    created = ma.fields.Integer(required=True)
    updated = ma.fields.Integer(required=True)
    unchanged = ma.fields.Integer(required=True)
    rejected = ma.fields.Integer(required=True)


class LoanBookResult(ma.Schema):
    summary = ma.fields.Nested(Summary, required=True)
    items = ma.fields.List(ma.fields.Nested(ItemResult), required=True)
    errors = ma.fields.List(
        ma.fields.Nested(ProblemField),
        required=True,
        metadata={"description": "every bad field of every rejected item, by JSON pointer"},
    )


@bp.route("/loan-book", methods=["POST"])
@requires("loans:write")
@idempotent
@bp.doc(
    tags=["loan book"],
    requestBody={"required": True, "content": {"application/json": {"schema": LoanBookRequest}}},
)
@bp.response(200, LoanBookResult)
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def upsert_loan_book() -> dict[str, Any]:
    """Upsert borrowers, contact points and loans

    One item per loan, with the columns of the CSV loan-book import (examples/README.md) and
    its rules: borrowers by `external_id`, contact points by channel and address, loans by
    `loan_number` (never moved to another borrower). 1 to 10,000 items. Each item's outcome is
    reported; a bad item names its field by JSON pointer (`/items/3/principal`) and is skipped,
    the good ones are kept. 422 only when the request itself is unusable (no `items` array)."""
    body = json_body()
    if not isinstance(body, dict):
        problem = (
            "required: a JSON object with an items array"
            if body is MISSING
            else ("must be a JSON object with an items array")
        )
        raise InvalidInput([FieldProblem("", problem)])
    report = loan_book.upsert_items(db(), body.get("items"), request_now())
    return {
        "summary": report.summary(),
        "items": [r.as_dict() for r in report.items],
        "errors": [e.as_dict() for e in report.errors()],
    }
