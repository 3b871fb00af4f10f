"""Twilio webhooks: inbound SMS/WhatsApp and delivery statuses, all signature-checked.

Twilio signs ``PUBLIC_BASE_URL + path`` (the URL it was configured with), not the URL this
process sees behind a proxy, so the check rebuilds that URL from the setting.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Blueprint, Response, abort, request
from sqlalchemy import select
from twilio.request_validator import RequestValidator
from werkzeug.exceptions import RequestEntityTooLarge

from outreach.conversations.inbound import route_now, store_inbound
from outreach.conversations.inbound_form import FormError, parse_inbound
from outreach.conversations.inbound_queue import accept
from outreach.conversations.spool import DATABASE_UNAVAILABLE, spool
from outreach.models import Message
from outreach.outbox.delivery import record_report
from outreach.web import channels, db, rasa, request_now, settings

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks/twilio")
# Twilio's forms are small (a Body is at most 1,600 characters, ~19 KB fully percent-encoded,
# plus at most ten media URLs): a larger request is refused with 413 before it is parsed.
MAX_WEBHOOK_BYTES = 64 * 1024
log = logging.getLogger(__name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
STATUS_FORM = re.compile(r"[a-z_]{1,32}")  # what Twilio sends; bounded for the event row
ERROR_CODE_FORM = re.compile(r"[0-9]{1,16}")


@bp.before_request
def _bounded_size() -> None:
    request.max_content_length = MAX_WEBHOOK_BYTES  # finding 22: a 1 MB body was stored


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc: RequestEntityTooLarge) -> Response:
    return Response(
        f"request: larger than {MAX_WEBHOOK_BYTES:,} bytes\n", status=413, mimetype="text/plain"
    )


def _verify_signature() -> None:
    url = settings().public_base_url + request.path
    if request.query_string:
        url += "?" + request.query_string.decode()
    signature = request.headers.get("X-Twilio-Signature", "")
    validator = RequestValidator(settings().sandbox_auth_token)
    if not signature or not validator.validate(url, request.form.to_dict(), signature):
        log.warning("rejected unsigned or forged Twilio request to %s", request.path)
        abort(403)


def _twiml() -> Response:
    return Response(EMPTY_TWIML, mimetype="text/xml")


def _bad_request(field: str, problem: str) -> Response:
    return Response(f"{field}: {problem}\n", status=400, mimetype="text/plain")


def handle_inbound(channel: str, form: dict[str, str]) -> Response:
    """The inbound path shared by the Twilio webhooks and the demo sandbox phone.

    Nothing is stored unless every field is right (findings 22, 31). The message is then
    stored and committed before anything else can fail; if the database cannot take it, the
    form is spooled durably and Twilio still gets its normal answer (finding 16). With
    ``INBOUND_TURNS=worker`` (production's default) the turn runs on the inbound worker."""
    try:
        parsed = parse_inbound(channel, form, settings())
    except FormError as err:
        return _bad_request(err.field, err.problem)
    session = db()
    try:
        if settings().queued_turns:
            # Issue 19: Twilio gives up after 15 s and a reply blast saturates Rasa. One insert
            # (the verified message as a job) and Twilio is answered; the inbound worker logs
            # the message and runs the turn (outreach.conversations.inbound_queue).
            accept(
                session,
                channel=parsed.channel,
                address=parsed.address,
                body=parsed.body,
                provider_sid=parsed.provider_sid,
                received_at=request_now(),
            )
            return _twiml()
        stored = store_inbound(
            session,
            channel=parsed.channel,
            address=parsed.address,
            body=parsed.body,
            provider_sid=parsed.provider_sid,
        )
    except DATABASE_UNAVAILABLE as exc:
        session.rollback()
        try:
            path = spool(settings(), channel, form, request_now())
        except OSError as spool_exc:
            # Neither the database nor the disk can keep it: tell Twilio it failed (its
            # fallback URL, if set, gets the message) rather than acknowledging a lost message.
            log.error(
                "database unavailable (%s) and inbound spool not writable (%s): answered 503",
                type(exc).__name__,
                type(spool_exc).__name__,
            )
            return Response("service unavailable: try again\n", status=503, mimetype="text/plain")
        log.warning(
            "database unavailable (%s): inbound message spooled as %s for replay",
            type(exc).__name__,
            path.name,
        )
        return _twiml()
    route_now(session, settings(), rasa(), channels(), stored)
    return _twiml()


@bp.post("/sms")
def sms() -> Response:
    _verify_signature()
    return handle_inbound("sms", request.form.to_dict())


@bp.post("/whatsapp")
def whatsapp() -> Response:
    _verify_signature()
    return handle_inbound("whatsapp", request.form.to_dict())


@bp.post("/status")
def status() -> Any:
    """Delivery status callback: kept as an event once, the message's status moved forward."""
    _verify_signature()
    sid = request.form.get("MessageSid", "").strip()
    new_status = request.form.get("MessageStatus", "").strip().lower()
    if not sid:
        return _bad_request("MessageSid", "required")
    if not new_status:
        return _bad_request("MessageStatus", "required")
    error_code = request.form.get("ErrorCode", "").strip() or None
    if not STATUS_FORM.fullmatch(new_status):
        return _bad_request("MessageStatus", "expected a Twilio message status")
    if error_code is not None and not ERROR_CODE_FORM.fullmatch(error_code):
        return _bad_request("ErrorCode", "expected a numeric Twilio error code")
    session = db()
    msg = session.scalar(select(Message).where(Message.provider_sid == sid))
    if msg is None:
        # Unknown SID (e.g. sent by another system on the same account): acknowledge, keep nothing.
        return ("", 204)
    # Kept once per distinct report; the status only moves forward (outreach.outbox.delivery).
    record_report(session, msg, new_status, error_code, request_now())
    session.commit()
    return ("", 204)
