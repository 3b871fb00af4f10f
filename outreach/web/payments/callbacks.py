"""Payment provider callbacks (contracts/payments.md, "Answers").

2xx means "stored" (a provider that gets it stops retrying): every authentic callback, a
duplicate, an ignored event type and an unmatched payment (parked for review) alike. 400: a
signature that does not verify, a stale Stripe timestamp, a body the provider would not send;
nothing is stored. 404: a provider that is not configured, or a wrong M-Pesa token. 403: an
M-Pesa caller outside ``MPESA_ALLOWED_IPS``. Signatures are checked over the raw body.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from outreach.payments import stk_settle
from outreach.payments.apply import apply_event
from outreach.payments.base import CallbackRejected, CallerNotAllowed, WrongToken
from outreach.payments.mpesa import ACCEPTED, Mpesa
from outreach.payments.providers import Provider, configured
from outreach.web import channels, db, request_now, settings

bp = Blueprint("payment_webhooks", __name__, url_prefix="/webhooks/payments")
# Providers' payment events are a few kilobytes; a larger body is refused before it is read.
MAX_CALLBACK_BYTES = 256 * 1024
log = logging.getLogger(__name__)


@bp.before_request
def _bounded_size() -> None:
    request.max_content_length = MAX_CALLBACK_BYTES


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc: RequestEntityTooLarge) -> Response:
    return Response("request: too large\n", status=413, mimetype="text/plain")


def _provider(name: str) -> Provider:
    provider = configured(settings()).get(name)
    if provider is None:
        abort(404)  # not configured: as if the endpoint did not exist
    return provider


def _handle(provider: Provider) -> dict[str, object]:
    """Verify, parse and apply one callback; 400 (nothing stored) when it does not verify."""
    body = request.get_data(cache=True)
    now = request_now()
    try:
        event = provider.parse_callback(body, request.headers, now)
    except CallbackRejected as exc:
        log.warning("payments: rejected %s callback: %s", provider.name, exc)
        abort(400, description=str(exc))
    if event is None:
        return {"status": "ignored"}
    outcome = apply_event(db(), event, now, settings=settings(), channels=channels())
    log.info("payments: %s %s -> %s", provider.name, event.reference, outcome.status)
    return {"status": outcome.status}


@bp.post("/stripe")
def stripe() -> Response:
    return jsonify(_handle(_provider("stripe")))


@bp.post("/razorpay")
def razorpay() -> Response:
    return jsonify(_handle(_provider("razorpay")))


def _mpesa_caller(token: str) -> Mpesa:
    """M-Pesa signs nothing: the secret path token (404) and the allowlist (403) guard it."""
    provider = _provider("mpesa")
    assert isinstance(provider, Mpesa)
    try:
        provider.check_caller(token, request.remote_addr)
    except WrongToken:
        abort(404)
    except CallerNotAllowed as exc:
        log.warning("payments: %s", exc)
        abort(403)
    return provider


@bp.post("/mpesa/<token>/c2b")
def mpesa_c2b(token: str) -> Response:
    _handle(_mpesa_caller(token))
    return jsonify(ACCEPTED)


@bp.post("/mpesa/<token>/stk")
def mpesa_stk(token: str) -> Response:
    """The STK Push result, confirmed against our own request (``stk_settle``): an unknown
    CheckoutRequestID, or a body Daraja would not send, is a 400 and nothing is stored."""
    _mpesa_caller(token)
    try:
        status = stk_settle.handle_callback(
            db(), settings(), channels(), request.get_data(cache=True), request_now()
        )
    except CallbackRejected as exc:
        log.warning("payments: rejected M-Pesa STK callback: %s", exc)
        abort(400, description=str(exc))
    log.info("payments: M-Pesa STK callback -> %s", status)
    return jsonify(ACCEPTED)
