"""``POST /api/v1/payments``: a payment the lender's system received, into the payments
pipeline (``outreach.integrations.lender_payments``): 201 applied, 202 parked for review,
200 a reference seen before; 409 a reference reused for another payment."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from outreach.integrations.lender_payments import LenderPayment, post_payment
from outreach.integrations.problems import FieldProblem, InvalidInput
from outreach.payments.base import MAX_REFERENCE
from outreach.web import channels, db, request_now, settings
from outreach.web.api.access import requires
from outreach.web.api.blueprint import bp
from outreach.web.api.fields import Amount, Instant, Text, money_out
from outreach.web.api.idempotent import idempotent


class PaymentIn(ma.Schema):
    loan_number = Text(64, required=True)
    reference = Text(
        MAX_REFERENCE,
        required=True,
        metadata={"description": "the lender's own reference: one payment, once"},
    )
    amount = Amount(required=True)
    currency = ma.fields.String(
        required=True,
        validate=ma.validate.Regexp(r"^[A-Za-z]{3}$", error="an ISO 4217 code, like USD"),
    )
    paid_at = Instant(metadata={"description": "when it was paid (default: now)"})


class PaymentOut(ma.Schema):
    status = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(["applied", "review", "duplicate"]),
        metadata={
            "description": "applied to the loan; parked for an officer (see reason); or a "
            "reference seen before (nothing changed)"
        },
    )
    reason = ma.fields.String(
        allow_none=True,
        required=True,
        metadata={"description": "why a payment waits for review: unknown_loan or currency"},
    )
    reference = ma.fields.String(required=True)
    loan_number = ma.fields.String(allow_none=True, required=True)
    amount = money_out(required=True)
    currency = ma.fields.String(required=True)
    paid_at = ma.fields.DateTime(required=True)
    reminders_cancelled = ma.fields.Integer(required=True)


@bp.route("/payments", methods=["POST"])
@requires("payments:write")
@idempotent
@bp.doc(tags=["payments"])
@bp.arguments(PaymentIn)
@bp.response(201, PaymentOut, description="Applied to the loan")
@bp.alt_response(202, schema=PaymentOut, description="Parked for an officer's review", success=True)
@bp.alt_response(200, schema=PaymentOut, description="Seen before: nothing changed", success=True)
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def post(data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """Post a payment

    A payment the lender's system received, applied like a provider's confirmed payment: the
    loan's promises and plan instalments are reviewed at once, reminders the payment covers are
    cancelled before they go out, and the borrower gets one receipt. Identified by `reference`:
    posting it again changes nothing (200, `duplicate`)."""
    now = request_now()
    paid_at = data.get("paid_at") or now
    if paid_at > now:
        raise InvalidInput([FieldProblem("/paid_at", "must not be in the future")])
    payment = LenderPayment(
        loan_number=data["loan_number"],
        reference=data["reference"],
        amount=data["amount"],
        currency=data["currency"].upper(),
        paid_at=paid_at,
    )
    answer = post_payment(db(), payment, now, settings=settings(), channels=channels())
    status = {"applied": 201, "review": 202}.get(answer["status"], 200)
    return answer, status
