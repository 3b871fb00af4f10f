"""Africa's Talking callbacks: inbound SMS and delivery reports.

Africa's Talking signs nothing, so, as for M-Pesa, the secret path segment
(``AFRICASTALKING_CALLBACK_TOKEN``: a wrong one answers 404, as if the route did not exist) and
the optional caller allowlist (``AFRICASTALKING_ALLOWED_IPS``: 403) guard both routes. Set the
account's callback URLs to ``PUBLIC_BASE_URL/webhooks/africastalking/<token>/inbound`` and
``.../delivery``.

Inbound messages join the one inbound path (``webhooks.handle_inbound``): stored before anything
else can fail, de-duplicated by the provider's id, STOP/START handled, then the bot or the
officer. Fields follow africastalking.com/docs/sms/notifications.
"""

from __future__ import annotations

import hmac
import logging
import re

from flask import Blueprint, Response, abort, request
from sqlalchemy import select

from outreach.conversations.inbound_form import MAX_BODY_CHARS, FormError, parse_inbound
from outreach.models import Message
from outreach.outbox.delivery import record_report
from outreach.settings import allowed_networks, caller_allowed
from outreach.web import db, request_now, settings
from outreach.web.webhooks import MAX_WEBHOOK_BYTES, handle_inbound

bp = Blueprint("africastalking", __name__, url_prefix="/webhooks/africastalking")
log = logging.getLogger(__name__)
# Delivery report statuses (docs: "Sent", "Submitted", "Buffered", "Rejected", "Success",
# "Failed", "AbsentSubscriber", "Expired") in the status vocabulary of outreach.outbox.delivery.
STATUSES = {
    "Sent": "sent",
    "Submitted": "sent",
    "Buffered": "sent",
    "Success": "delivered",
    "Rejected": "failed",
    "Failed": "failed",
    "AbsentSubscriber": "undelivered",
    "Expired": "undelivered",
}
# failureReason values that are acted on like Twilio's 21610 / 21211 (outreach.outbox.delivery):
# a blacklisted subscriber opted out; a number that does not exist is invalid.
REASON_CODES = {"UserInBlackList": "at:406", "UserDoesNotExist": "at:403"}
REASON_FORM = re.compile(r"[A-Za-z]{1,40}")
ID_FORM = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


@bp.before_request
def _guard() -> None:
    request.max_content_length = MAX_WEBHOOK_BYTES
    s = settings()
    token = (request.view_args or {}).get("token", "")
    expected = s.africastalking_callback_token
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        abort(404)  # no token configured: the routes do not exist
    if not caller_allowed(allowed_networks(s.africastalking_allowed_ips), request.remote_addr):
        log.warning("rejected an Africa's Talking callback from outside the allowlist")
        abort(403)


def _bad_request(field: str, problem: str) -> Response:
    return Response(f"{field}: {problem}\n", status=400, mimetype="text/plain")


@bp.post("/<token>/inbound")
def inbound(token: str) -> Response:
    """An SMS a borrower sent to one of our shortcodes (``from``, ``to``, ``text``, ``id``)."""
    form = request.form
    s = settings()
    message_id = form.get("id", "").strip()
    if not ID_FORM.fullmatch(message_id):
        return _bad_request("id", "required: Africa's Talking's message id")
    if form.get("to", "").strip() not in s.africastalking_codes:
        return _bad_request("to", "not one of our Africa's Talking shortcodes or sender ids")
    text = form.get("text", "")
    if len(text) > MAX_BODY_CHARS:
        return _bad_request("text", f"longer than {MAX_BODY_CHARS:,} characters")
    # The shared inbound path takes Twilio's field names; ``To`` becomes our SMS number (the
    # shortcode was checked above) and the id is namespaced so it can never equal a Twilio SID.
    canonical = {
        "MessageSid": f"AT:{message_id}",
        "From": form.get("from", "").strip(),
        "To": s.twilio_sms_from,
        "Body": text,
    }
    try:
        parse_inbound("sms", canonical, s)
    except FormError as err:
        field = {"From": "from", "Body": "text"}.get(err.field, err.field)
        return _bad_request(field, err.problem)
    answer = handle_inbound("sms", canonical)
    # Twilio's TwiML means nothing to Africa's Talking: an empty 200, unless the message could
    # not be kept (503), so that Africa's Talking tries again.
    return answer if answer.status_code >= 400 else Response("", status=200)


@bp.post("/<token>/delivery")
def delivery(token: str) -> Response | tuple[str, int]:
    """A delivery report (``id``, ``status``, ``failureReason``): kept once, status moved on."""
    form = request.form
    message_id = form.get("id", "").strip()
    if not ID_FORM.fullmatch(message_id):
        return _bad_request("id", "required: the messageId the send answered")
    reported = form.get("status", "").strip()
    if reported not in STATUSES:
        return _bad_request("status", f"one of {', '.join(STATUSES)}")
    reason = form.get("failureReason", "").strip()
    if reason and not REASON_FORM.fullmatch(reason):
        return _bad_request("failureReason", "expected an Africa's Talking failure reason")
    session = db()
    msg = session.scalar(select(Message).where(Message.provider_sid == message_id))
    if msg is None:
        return ("", 204)  # not ours (another system on the same account): keep nothing
    code = (REASON_CODES.get(reason) or f"at:{reason}") if reason else None
    record_report(session, msg, STATUSES[reported], code, request_now())
    session.commit()
    return ("", 204)
