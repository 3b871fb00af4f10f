"""``POST /api/v1/borrowers/{external_id}/flags`` and ``.../flags/{flag}/clear``: the blocking
account flags (dispute, cease and desist, attorney, bankruptcy, deceased, breathing space), with their source."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from outreach.integrations import flags
from outreach.integrations.problems import NotFound
from outreach.models import Borrower
from outreach.web import db, request_now
from outreach.web.api.access import caller, requires
from outreach.web.api.blueprint import bp
from outreach.web.api.fields import Text
from outreach.web.api.idempotent import idempotent
from outreach.web.api.problems import ApiProblem

FLAG_DOC = {
    "description": "dispute, cease_and_desist, attorney, bankruptcy, deceased or breathing_space "
    "(dispute_open and attorney_represented, the policy's names, are accepted too)"
}
BORROWER_PARAM = {
    "in": "path",
    "name": "external_id",
    "required": True,
    "description": "the lender's borrower id (the loan book's external_id)",
    "schema": {"type": "string", "minLength": 1, "maxLength": 64},
}


class FlagIn(ma.Schema):
    flag = ma.fields.String(
        required=True, validate=ma.validate.OneOf(flags.ACCEPTED), metadata=FLAG_DOC
    )
    source = Text(
        100, required=True, metadata={"description": "who reported it, e.g. core-banking"}
    )
    reason = Text(500, allow_none=True)


class ClearIn(ma.Schema):
    source = Text(100, required=True, metadata={"description": "who lifted it"})
    reason = Text(500, allow_none=True)


class FlagState(ma.Schema):
    flag = ma.fields.String(required=True)
    active = ma.fields.Boolean(required=True)
    source = ma.fields.String(allow_none=True, required=True)
    reason = ma.fields.String(allow_none=True, required=True)
    set_at = ma.fields.DateTime(required=True)
    cleared_at = ma.fields.DateTime(allow_none=True, required=True)
    cleared_source = ma.fields.String(allow_none=True, required=True)


class FlagsOut(ma.Schema):
    external_id = ma.fields.String(required=True)
    changed = ma.fields.Boolean(
        required=True, metadata={"description": "false: the flag was already in that state"}
    )
    active = ma.fields.List(ma.fields.String(), required=True)
    flags = ma.fields.List(ma.fields.Nested(FlagState), required=True)


def borrower_or_404(external_id: str) -> Borrower:
    borrower = flags.find_borrower(db(), external_id)
    if borrower is None:
        raise NotFound("No borrower with this external_id.")
    return borrower


def _answer(borrower: Borrower, changed: bool) -> dict[str, Any]:
    states = flags.flag_states(borrower)
    return {
        "external_id": borrower.external_id,
        "changed": changed,
        "active": sorted({s["flag"] for s in states if s["active"]}),
        "flags": states,
    }


@bp.route("/borrowers/<path:external_id>/flags", methods=["POST"], parameters=[BORROWER_PARAM])
@requires("flags:write")
@idempotent
@bp.doc(tags=["flags"])
@bp.arguments(FlagIn)
@bp.response(201, FlagsOut, description="Set")
@bp.alt_response(200, schema=FlagsOut, description="Already active: nothing changed", success=True)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def set_flag(data: dict[str, Any], external_id: str) -> tuple[dict[str, Any], int]:
    """Set a flag

    A blocking flag stops every lender-initiated message to the borrower while it is active
    (the contact policy). The source is recorded with the flag; the call is audited."""
    borrower = borrower_or_404(external_id)
    changed = flags.set_flag(
        db(),
        borrower,
        data["flag"],
        source=data["source"],
        reason=data.get("reason"),
        now=request_now(),
        actor=caller().actor,
    )
    return _answer(borrower, changed), 201 if changed else 200


@bp.route(
    "/borrowers/<path:external_id>/flags/<flag>/clear",
    methods=["POST"],
    parameters=[
        BORROWER_PARAM,
        {
            "in": "path",
            "name": "flag",
            "required": True,
            "schema": {"type": "string", "enum": list(flags.ACCEPTED)},
            **FLAG_DOC,
        },
    ],
)
@requires("flags:write")
@idempotent
@bp.doc(tags=["flags"])
@bp.arguments(ClearIn)
@bp.response(200, FlagsOut)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def clear_flag(data: dict[str, Any], external_id: str, flag: str) -> dict[str, Any]:
    """Clear a flag

    The active flag is stamped cleared (with the source); its history stays. Clearing a flag
    that is not active changes nothing (`changed: false`)."""
    if flag not in flags.ACCEPTED:
        raise ApiProblem(404, f"No such flag; one of {', '.join(flags.API_FLAGS)}.")
    borrower = borrower_or_404(external_id)
    changed = flags.clear_flag(
        db(),
        borrower,
        flag,
        source=data["source"],
        reason=data.get("reason"),
        now=request_now(),
        actor=caller().actor,
    )
    return _answer(borrower, changed)
