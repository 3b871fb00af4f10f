"""M-Pesa (Daraja): C2B paybill confirmations, guarded by the secret path token.

Safaricom does not sign its callbacks: every callback URL carries ``MPESA_CALLBACK_TOKEN`` as a
path segment (a wrong one answers 404, as if there were no such endpoint) and, when
``MPESA_ALLOWED_IPS`` is set, the caller must be inside it (403). A C2B confirmation names the
loan in ``BillRefNumber``, which the borrower types at the paybill: it is matched ignoring case,
spaces and dashes. The STK Push (``stk``, over the Daraja client ``daraja``) has its result
callback matched against our own request by ``stk_settle``, behind the same token and allowlist.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import datetime

from outreach.payments.base import (
    CallbackRejected,
    CallerNotAllowed,
    PaymentEvent,
    WrongToken,
    decimal_amount,
    dig,
    json_object,
    loan_number,
    reference,
)
from outreach.settings import allowed_networks, caller_allowed

CURRENCY = "KES"
# What Daraja expects back from a confirmation URL (anything else, and it retries).
ACCEPTED = {"ResultCode": 0, "ResultDesc": "Accepted"}


class Mpesa:
    """The M-Pesa provider: callers checked by token and allowlist; C2B confirmations parsed."""

    name = "mpesa"

    def __init__(
        self,
        consumer_key: str,
        consumer_secret: str,
        shortcode: str,
        passkey: str,
        callback_token: str,
        api_base: str,
        allowed_ips: str = "",
    ) -> None:
        self.consumer_key, self.consumer_secret = consumer_key, consumer_secret
        self.shortcode, self.passkey, self.api_base = shortcode, passkey, api_base
        self.callback_token = callback_token
        self.allowed = allowed_networks(allowed_ips)

    def check_caller(self, token: str, remote_addr: str | None) -> None:
        """WrongToken unless ``token`` is ours; CallerNotAllowed outside the allowlist."""
        if not hmac.compare_digest(token.encode(), self.callback_token.encode()):
            raise WrongToken("M-Pesa callback: wrong token")
        if not caller_allowed(self.allowed, remote_addr):
            raise CallerNotAllowed(f"M-Pesa callback from {remote_addr}: outside MPESA_ALLOWED_IPS")

    def parse_callback(
        self, body: bytes, headers: Mapping[str, str], now: datetime
    ) -> PaymentEvent | None:
        """A C2B confirmation (the caller was checked by :meth:`check_caller`)."""
        data = json_object(body)
        bill_ref = dig(data, "BillRefNumber")
        if bill_ref is not None and not isinstance(bill_ref, str):
            raise CallbackRejected("BillRefNumber: expected a string")
        return PaymentEvent(
            provider=self.name,
            reference=reference(dig(data, "TransID"), "TransID"),
            loan_number=loan_number(bill_ref),
            amount=decimal_amount(dig(data, "TransAmount")),
            currency=CURRENCY,
            received_at=now,
            raw=data,
            fuzzy_loan_number=True,
        )
