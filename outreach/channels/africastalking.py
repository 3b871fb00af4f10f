"""SMS through Africa's Talking, with its official ``africastalking`` client.

Africa's Talking answers a send with one entry per recipient (``SMSMessageData.Recipients``),
each with a numeric ``statusCode`` (africastalking.com/docs/sms/sending: 100 Processed, 101 Sent,
102 Queued; 4xx and 5xx failures). The codes are mapped here to permanent (this address cannot
be reached: stop using it) or transient (try again later, or through the other provider).
"""

from __future__ import annotations

import json
from typing import Any

from africastalking.Service import AfricasTalkingException
from africastalking.SMS import SMSService
from requests import RequestException

from outreach.channels.base import ChannelError, SendResult
from outreach.settings import Settings

ACCEPTED_CODES = {100: "queued", 101: "sent", 102: "queued"}
# Permanent: retrying the same number through Africa's Talking cannot succeed. 406 is a number on
# the operator's blacklist (the subscriber opted out of promotional SMS, *456*9#): treated as an
# opt-out, like Twilio's 21610.
PERMANENT_CODES = {
    402: "invalid_sender_id",
    403: "invalid_number",
    404: "unsupported_number_type",
    406: "opted_out",
}
# Transient: 401 RiskHold, 405 InsufficientBalance, 407 CouldNotRoute, 409 DoNotDisturbRejection
# (DND is lifted when the subscriber changes it), 500 InternalServerError, 501 GatewayError,
# 502 RejectedByGateway. Anything not listed as permanent is transient: erring towards a retry
# through the other provider rather than dropping the address.


def at_code(status_code: int) -> str:
    """The error code kept on a message row: provider-prefixed so it never collides with
    Twilio's numeric codes in ``outreach.outbox.delivery``."""
    return f"at:{status_code}"


class AfricasTalkingSMS:
    """The ``sms`` channel for numbers routed to Africa's Talking (``config/sms_routes.yaml``)."""

    name = "sms"
    provider = "africastalking"

    def __init__(self, settings: Settings) -> None:
        self.service = SMSService(settings.africastalking_username, settings.africastalking_api_key)
        if settings.africastalking_api_base:
            # Tests (an offline fake of the documented API) and proxies point the client
            # elsewhere; the SDK has no option for it, only this attribute.
            self.service._baseUrl = settings.africastalking_api_base.rstrip("/") + "/version1"
        self.sender_id = settings.africastalking_sender_id or None

    def send(
        self,
        to: str,
        body: str,
        *,
        status_callback: str | None = None,
        content_sid: str | None = None,
        content_variables: dict[str, str] | None = None,
    ) -> SendResult:
        """Send one SMS; delivery reports come to the callback URL set on the account
        (Africa's Talking takes no per-message callback, so ``status_callback`` is unused)."""
        try:
            answer: Any = self.service.send(body, [to], sender_id=self.sender_id)
        except ValueError as exc:  # the SDK's own check of the number's form
            raise ChannelError(
                f"Africa's Talking: {exc}", permanent=True, code=at_code(403)
            ) from exc
        except AfricasTalkingException as exc:
            # Non-2xx: an HTTP 401 (wrong key) or 5xx; the body is plain text, e.g.
            # "The supplied authentication is invalid". Transient: the other provider may work.
            raise ChannelError(
                f"Africa's Talking refused the request: {exc}", permanent=False
            ) from exc
        except RequestException as exc:
            raise ChannelError(
                f"Africa's Talking unreachable: {type(exc).__name__}", permanent=False
            ) from exc
        return _result(answer)


def _result(answer: Any) -> SendResult:
    """The one recipient's outcome in Africa's Talking's answer, or a ChannelError."""
    if isinstance(answer, str):
        try:
            answer = json.loads(answer)
        except ValueError:
            raise ChannelError(
                "Africa's Talking answered something that is not JSON", permanent=False
            ) from None
    recipients = (answer or {}).get("SMSMessageData", {}).get("Recipients") or []
    if not recipients:
        message = (answer or {}).get("SMSMessageData", {}).get("Message", "no recipients")
        raise ChannelError(f"Africa's Talking sent nothing: {message}", permanent=False)
    recipient = recipients[0]
    try:
        code = int(recipient.get("statusCode"))
    except (TypeError, ValueError):
        raise ChannelError(
            "Africa's Talking: a recipient without a statusCode", permanent=False
        ) from None
    if code in ACCEPTED_CODES:
        return SendResult(provider_sid=str(recipient["messageId"]), status=ACCEPTED_CODES[code])
    raise ChannelError(
        f"Africa's Talking refused the message (statusCode {code}: {recipient.get('status')})",
        permanent=code in PERMANENT_CODES,
        code=at_code(code),
    )
