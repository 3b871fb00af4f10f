"""Daraja's wire format: the STK Password and Timestamp, the stkCallback parser, phone and
amount checks (no network, no database)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from outreach.payments import stk_result
from outreach.payments.base import CallbackRejected
from outreach.payments.daraja import password, timestamp
from outreach.payments.stk import account_reference, kenyan_mobile, mask_phone
from outreach.payments.stk_settle import mismatch

# Safaricom's documented sandbox example: shortcode 174379, its public test passkey.
SANDBOX_PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"


def test_it_stamps_the_time_in_nairobi_whatever_the_servers_zone():
    # 21:30 UTC is 00:30 the next day in Nairobi (UTC+3, no daylight saving).
    assert timestamp(datetime(2026, 11, 24, 21, 30, 5, tzinfo=UTC)) == "20261125003005"
    with pytest.raises(ValueError, match="now"):
        timestamp(datetime(2026, 11, 24, 21, 30))


def test_it_builds_the_password_as_base64_of_shortcode_passkey_and_timestamp():
    stamp = "20160216165627"
    expected = base64.b64encode(f"174379{SANDBOX_PASSKEY}{stamp}".encode()).decode()
    assert password("174379", SANDBOX_PASSKEY, stamp) == expected
    assert base64.b64decode(expected).decode().endswith(stamp)


def body(callback: dict) -> bytes:
    return json.dumps({"Body": {"stkCallback": callback}}).encode()


SUCCESS = {
    "MerchantRequestID": "29115-34620561-1",
    "CheckoutRequestID": "ws_CO_191220191020363925",
    "ResultCode": 0,
    "ResultDesc": "The service request is processed successfully.",
    "CallbackMetadata": {
        "Item": [
            {"Name": "Amount", "Value": 1.00},
            {"Name": "MpesaReceiptNumber", "Value": "NLJ7RT61SV"},
            {"Name": "Balance"},
            {"Name": "TransactionDate", "Value": 20191219102115},
            {"Name": "PhoneNumber", "Value": 254708374149},
        ]
    },
}


def test_it_parses_daraja_s_documented_success_callback():
    result = stk_result.parse(body(SUCCESS))
    assert result.paid and result.checkout_request_id == "ws_CO_191220191020363925"
    assert (result.amount, result.receipt, result.phone) == (
        Decimal("1.0"),
        "NLJ7RT61SV",
        "254708374149",
    )
    assert result.transaction_date == "20191219102115"


def test_it_parses_a_cancelled_prompt_without_metadata():
    result = stk_result.parse(
        body(
            {
                "MerchantRequestID": "68441-128341933-1",
                "CheckoutRequestID": "ws_CO_17112022155511840796440427",
                "ResultCode": 1032,
                "ResultDesc": "Request cancelled by user",
            }
        )
    )
    assert not result.paid and (result.result_code, result.amount) == (1032, None)


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        (b"not json", "not JSON"),
        (json.dumps({"stkCallback": SUCCESS}).encode(), "Body"),
        (body({**SUCCESS, "ResultCode": "0"}), "ResultCode"),
        (body({k: v for k, v in SUCCESS.items() if k != "CheckoutRequestID"}), "CheckoutRequestID"),
        (body({k: v for k, v in SUCCESS.items() if k != "CallbackMetadata"}), "CallbackMetadata"),
        (
            body({**SUCCESS, "CallbackMetadata": {"Item": [{"Name": "Amount", "Value": 5}]}}),
            "Mpesa",
        ),
        (
            body(
                {
                    **SUCCESS,
                    "CallbackMetadata": {
                        "Item": [
                            {"Name": "Amount", "Value": -5},
                            {"Name": "MpesaReceiptNumber", "Value": "NLJ7RT61SV"},
                        ]
                    },
                }
            ),
            "amount",
        ),
    ],
)
def test_it_refuses_a_body_daraja_would_not_send_naming_the_field(raw, names):
    with pytest.raises(CallbackRejected, match=names):
        stk_result.parse(raw)


def test_it_builds_sandbox_callbacks_the_parser_reads_as_daraja_s():
    now = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
    raw = stk_result.success_body("m-1", "ws_CO_1", Decimal(500), "SAB12CD34E", "254712345678", now)
    items = json.loads(raw)["Body"]["stkCallback"]["CallbackMetadata"]["Item"]
    assert {i["Name"] for i in items} == {
        "Amount",
        "MpesaReceiptNumber",
        "Balance",
        "TransactionDate",
        "PhoneNumber",
    }
    assert {"Name": "TransactionDate", "Value": 20261124190000} in items  # Nairobi time
    assert {"Name": "PhoneNumber", "Value": 254712345678} in items  # a number, as Daraja sends
    parsed = stk_result.parse(raw)
    assert (parsed.amount, parsed.receipt, parsed.phone) == (
        Decimal(500),
        "SAB12CD34E",
        "254712345678",
    )
    cancelled = stk_result.parse(stk_result.failure_body("m-1", "ws_CO_1"))
    assert (cancelled.result_code, cancelled.result_desc) == (1032, "Request cancelled by user")


@pytest.mark.parametrize(
    ("typed", "msisdn"),
    [
        ("+254712345678", "254712345678"),
        ("0712 345 678", "254712345678"),
        ("254712345678", "254712345678"),
        ("0110 123 456", "254110123456"),  # Safaricom's 011x mobiles
        ("+254 20 2222222", None),  # a Nairobi landline
        ("+13125550100", None),
        ("0712", None),
        ("", None),
    ],
)
def test_it_accepts_only_kenyan_mobiles_in_daraja_s_format(typed, msisdn):
    assert kenyan_mobile(typed) == msisdn


def test_it_masks_a_phone_to_its_last_three_digits():
    assert mask_phone("254712345678") == "+254 7•• ••• 678"
    assert mask_phone("+254712345678", plain=True) == "+254 7** *** 678"


def test_it_fits_a_long_loan_number_into_daraja_s_twelve_character_account_reference():
    assert account_reference("KE-100-2005") == "KE-100-2005"
    assert account_reference("LN-0000-0001-1234") == "000000011234"


class Asked:
    amount = Decimal(500)
    phone = "254712345678"


@pytest.mark.parametrize(
    ("amount", "phone", "reason"),
    [
        (Decimal(500), "254712345678", None),
        (Decimal(500), None, None),  # no PhoneNumber: the CheckoutRequestID and amount tie it
        (Decimal(500), "2547*****678", None),  # Daraja's masked MSISDN, matching where shown
        (Decimal(400), "254712345678", "stk_amount_mismatch"),
        (Decimal(500), "254799999999", "stk_phone_mismatch"),
        (Decimal(500), "2547*****999", "stk_phone_mismatch"),
    ],
)
def test_it_matches_a_success_against_the_amount_and_phone_we_asked_for(amount, phone, reason):
    result = stk_result.StkResult("m", "c", 0, "ok", amount=amount, receipt="R", phone=phone)
    assert mismatch(Asked(), result) == reason  # type: ignore[arg-type]
