"""``POST /api/v1/policy/check``: the contact-policy check as JSON over HTTP, with the input and
output of ``python -m outreach.policy check`` (contracts/policy-check.md)."""

from __future__ import annotations

import os
from typing import Any

import marshmallow as ma
from flask import request

from outreach.integrations import policy_check
from outreach.integrations.problems import FieldProblem, InvalidInput
from outreach.policy.facts import CATEGORIES, CHANNELS, FLAGS, INITIATORS, KINDS
from outreach.web.api.access import requires
from outreach.web.api.blueprint import bp
from outreach.web.api.body import MISSING, json_body, parse
from outreach.web.api.problems import ApiProblem


def _strings(**kwargs: Any) -> ma.fields.List:
    return ma.fields.List(ma.fields.String(), **kwargs)


class MessageKind(ma.Schema):
    kind = ma.fields.String(validate=ma.validate.OneOf(KINDS))
    category = ma.fields.String(validate=ma.validate.OneOf(CATEGORIES))


class Preferences(ma.Schema):
    quiet_days = _strings()
    earliest = ma.fields.String(metadata={"examples": ["09:00"]})
    latest = ma.fields.String(metadata={"examples": ["18:00"]})


class ScenarioBorrower(ma.Schema):
    class Meta:
        unknown = ma.INCLUDE

    country = ma.fields.String(required=True, metadata={"examples": ["US"]})
    region = ma.fields.String(allow_none=True)
    postal_code = ma.fields.String(allow_none=True)
    timezone = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True, metadata={"examples": ["+13125550100"]})
    email = ma.fields.String(allow_none=True)
    postal_address = ma.fields.String(allow_none=True)  # needed by channel "letter"
    consent = _strings(metadata={"items": {"enum": list(CHANNELS)}})
    opt_outs = _strings(metadata={"items": {"enum": list(CHANNELS)}})
    wrong_party = _strings(metadata={"items": {"enum": list(CHANNELS)}})
    flags = _strings(metadata={"items": {"enum": list(FLAGS)}})
    preferences = ma.fields.Nested(Preferences, allow_none=True)
    last_inbound = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())


class HistoryEntry(ma.Schema):
    channel = ma.fields.String(required=True, validate=ma.validate.OneOf(CHANNELS))
    at = ma.fields.String(required=True, metadata={"format": "date-time"})
    initiated_by = ma.fields.String(validate=ma.validate.OneOf(INITIATORS))


class Scenario(ma.Schema):
    """One scenario, as one line of ``python -m outreach.policy check`` (unknown keys ignored)."""

    class Meta:
        unknown = ma.INCLUDE

    id = ma.fields.String(allow_none=True)
    now = ma.fields.String(required=True, metadata={"format": "date-time"})
    channel = ma.fields.String(required=True, validate=ma.validate.OneOf(CHANNELS))
    initiated_by = ma.fields.String(validate=ma.validate.OneOf(INITIATORS))
    message = ma.fields.Nested(MessageKind)
    borrower = ma.fields.Nested(ScenarioBorrower, required=True)
    history = ma.fields.List(ma.fields.Nested(HistoryEntry))


class PolicyDecision(ma.Schema):
    id = ma.fields.String(allow_none=True, required=True)
    allowed = ma.fields.Boolean(required=True)
    reasons = _strings(required=True)
    next_allowed_at = ma.fields.String(allow_none=True, required=True)
    zones = _strings(required=True)
    rules_version = ma.fields.String(required=True)


class LineError(ma.Schema):
    id = ma.fields.String(allow_none=True, required=True)
    error = ma.fields.String(required=True)


ANSWER = {"oneOf": [PolicyDecision, LineError]}


@bp.route("/policy/check", methods=["POST"])
@requires("policy:check")
@bp.doc(
    tags=["policy"],
    requestBody={
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        Scenario,
                        {
                            "type": "array",
                            "items": Scenario,
                            "maxItems": policy_check.MAX_SCENARIOS,
                        },
                    ]
                }
            }
        },
    },
    responses={
        "200": {
            "description": "The decision; for an array, one answer per scenario, in order "
            "(a decision, or {id, error} for a scenario that cannot be decided)",
            "content": {
                "application/json": {
                    "schema": {"oneOf": [PolicyDecision, {"type": "array", "items": ANSWER}]}
                }
            },
        }
    },
)
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def check() -> Any:
    """Check the contact policy

    Could this message be sent now? The same input and output as
    `python -m outreach.policy check`: a scenario (one line of its input) is answered with its
    decision (`allowed`, `reasons`, `next_allowed_at`, `zones`, `rules_version`). A scenario
    that cannot be decided is 422 naming the field, with the command's `id` and `error` too.
    An array of up to 1,000 scenarios is answered with an array, in order, each answer a
    decision or the command's `{"id", "error"}`."""
    if json_body() is MISSING:
        raise InvalidInput([FieldProblem("", "required: a scenario or an array of scenarios")])
    data = parse(request.get_data(cache=True), exact=False)  # the command reads floats too
    override = os.environ.get("POLICY_OVERRIDES") or None  # the rule pack the command uses
    if isinstance(data, list):
        if len(data) > policy_check.MAX_SCENARIOS:
            raise InvalidInput(
                [FieldProblem("", f"at most {policy_check.MAX_SCENARIOS:,} scenarios")]
            )
        return [policy_check.check(item, override)[0] for item in data]
    answer, decided = policy_check.check(data, override)
    if decided:
        return answer
    raise ApiProblem(
        422,
        answer["error"],
        title="Invalid request",
        errors=[policy_check.error_problem(answer["error"])],
        id=answer["id"],
        error=answer["error"],
    )
