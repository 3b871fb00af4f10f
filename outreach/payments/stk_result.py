"""M-Pesa's STK Push result callback: parsed strictly, and built exactly as Daraja sends it.

Daraja POSTs to the CallBackURL of the push::

    {"Body": {"stkCallback": {
        "MerchantRequestID": "29115-34620561-1",
        "CheckoutRequestID": "ws_CO_191220191020363925",
        "ResultCode": 0,
        "ResultDesc": "The service request is processed successfully.",
        "CallbackMetadata": {"Item": [
            {"Name": "Amount", "Value": 1.00},
            {"Name": "MpesaReceiptNumber", "Value": "NLJ7RT61SV"},
            {"Name": "Balance"},
            {"Name": "TransactionDate", "Value": 20191219102115},
            {"Name": "PhoneNumber", "Value": 254708374149}]}}}}

``CallbackMetadata`` comes only with ``ResultCode`` 0; a failure (1032 cancelled by the user,
1037 no answer from the phone, 1 insufficient funds, ...) carries only the code and its text.
A body of another shape is not Daraja's (:class:`CallbackRejected`: answer 400, store nothing).
The demo sandbox builds its callbacks with :func:`success_body` / :func:`failure_body`, so they
go through this same parser.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from outreach.payments.base import CallbackRejected, decimal_amount, dig, json_object, reference
from outreach.payments.daraja import timestamp

CANCELLED = 1032
CANCELLED_DESC = "Request cancelled by user"
SUCCESS_DESC = "The service request is processed successfully."


@dataclass(frozen=True)
class StkResult:
    """One stkCallback, normalised. ``amount``, ``receipt``, ``phone`` and ``transaction_date``
    are set for a success (``phone`` may be absent or masked: Daraja has begun masking MSISDNs)."""

    merchant_request_id: str
    checkout_request_id: str
    result_code: int
    result_desc: str
    amount: Decimal | None = None
    receipt: str | None = None
    phone: str | None = None
    transaction_date: str | None = None
    raw: dict[str, Any] | None = None

    @property
    def paid(self) -> bool:
        return self.result_code == 0


def _items(callback: dict[str, Any]) -> dict[str, Any]:
    items = dig(callback, "CallbackMetadata", "Item")
    if not isinstance(items, list):
        raise CallbackRejected("body: CallbackMetadata.Item is not a list")
    out: dict[str, Any] = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("Name"), str):
            raise CallbackRejected("body: a CallbackMetadata item without a Name")
        out[item["Name"]] = item.get("Value")
    return out


def _phone(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    if isinstance(value, bool) or not (text.replace("*", "").isdigit() and 9 <= len(text) <= 15):
        raise CallbackRejected(f"PhoneNumber: not a phone number: {value!r}")
    return text


def parse(body: bytes) -> StkResult:
    """The stkCallback in ``body``, or CallbackRejected naming what is not Daraja's."""
    data = json_object(body)
    callback = dig(data, "Body", "stkCallback")
    if not isinstance(callback, dict):
        raise CallbackRejected("body: Body.stkCallback is not an object")
    code = dig(callback, "ResultCode")
    if isinstance(code, bool) or not isinstance(code, int):
        raise CallbackRejected(f"ResultCode: expected an integer, got {code!r}")
    desc = dig(callback, "ResultDesc")
    if not isinstance(desc, str):
        raise CallbackRejected("ResultDesc: expected a string")
    merchant = dig(callback, "MerchantRequestID")
    result = StkResult(
        merchant_request_id=reference(merchant, "MerchantRequestID"),
        checkout_request_id=reference(dig(callback, "CheckoutRequestID"), "CheckoutRequestID"),
        result_code=code,
        result_desc=desc[:255],
        raw=data,
    )
    if code != 0:
        return result
    items = _items(callback)
    for name in ("Amount", "MpesaReceiptNumber"):
        if name not in items:
            raise CallbackRejected(f"body: CallbackMetadata has no {name}")
    when = items.get("TransactionDate")
    return StkResult(
        merchant_request_id=result.merchant_request_id,
        checkout_request_id=result.checkout_request_id,
        result_code=0,
        result_desc=result.result_desc,
        amount=decimal_amount(items["Amount"]),
        receipt=reference(items["MpesaReceiptNumber"], "MpesaReceiptNumber"),
        phone=_phone(items.get("PhoneNumber")),
        transaction_date=None if when is None else str(when),
        raw=data,
    )


def success_body(
    merchant_request_id: str,
    checkout_request_id: str,
    amount: Decimal,
    receipt: str,
    phone: str,
    now: datetime,
) -> bytes:
    """A successful stkCallback exactly as Daraja posts it (numbers where Daraja sends numbers)."""
    items = [
        {"Name": "Amount", "Value": float(amount)},
        {"Name": "MpesaReceiptNumber", "Value": receipt},
        {"Name": "Balance"},
        {"Name": "TransactionDate", "Value": int(timestamp(now))},
        {"Name": "PhoneNumber", "Value": int(phone)},
    ]
    callback = {
        "MerchantRequestID": merchant_request_id,
        "CheckoutRequestID": checkout_request_id,
        "ResultCode": 0,
        "ResultDesc": SUCCESS_DESC,
        "CallbackMetadata": {"Item": items},
    }
    return json.dumps({"Body": {"stkCallback": callback}}).encode()


def failure_body(
    merchant_request_id: str,
    checkout_request_id: str,
    code: int = CANCELLED,
    desc: str = CANCELLED_DESC,
) -> bytes:
    """A failed stkCallback (by default: the borrower cancelled the prompt)."""
    callback = {
        "MerchantRequestID": merchant_request_id,
        "CheckoutRequestID": checkout_request_id,
        "ResultCode": code,
        "ResultDesc": desc,
    }
    return json.dumps({"Body": {"stkCallback": callback}}).encode()
