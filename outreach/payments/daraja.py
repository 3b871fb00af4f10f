"""A plain HTTP client for Safaricom's Daraja API: OAuth token, STK Push, STK Push query.

There is no maintained Daraja SDK for Python, so this speaks the documented wire format with
``requests`` (developer.safaricom.co.ke, "Authorization", "M-Pesa Express Simulate" and
"M-Pesa Express Query"):

- ``GET /oauth/v1/generate?grant_type=client_credentials`` with HTTP Basic auth (consumer key and
  secret) answers ``{"access_token": "...", "expires_in": "3599"}``; the token is cached until
  ``expires_in`` runs out by the clock the caller passes (less a margin, so it is never used in
  its last seconds), and dropped when Daraja says it is invalid (``404.001.03``).
- ``POST /mpesa/stkpush/v1/processrequest`` answers ``MerchantRequestID``, ``CheckoutRequestID``,
  ``ResponseCode`` "0", ``ResponseDescription``, ``CustomerMessage``; the result comes later to
  the CallBackURL (``outreach.payments.stk_result``).
- ``POST /mpesa/stkpushquery/v1/query`` answers ``ResultCode``/``ResultDesc`` once the prompt is
  settled, or the error ``500.001.1001`` "The transaction is being processed" while it is not.

``Password`` is base64(shortcode + passkey + timestamp), ``Timestamp`` YYYYMMDDHHMMSS in Nairobi
time (Daraja rejects a timestamp far from its own clock). An error answer is Daraja's
``{"requestId", "errorCode", "errorMessage"}``. Anything but a documented success raises
:class:`DarajaError` naming what went wrong: the caller refuses cleanly, never crashes.
"""

from __future__ import annotations

import base64
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests

log = logging.getLogger(__name__)
NAIROBI = ZoneInfo("Africa/Nairobi")
TIMEOUT = (5, 20)  # seconds to connect, to read: a prompt the borrower waits for
TOKEN_MARGIN = timedelta(seconds=60)
INVALID_TOKEN = "404.001.03"
PROCESSING = "500.001.1001"
# ResultCodes a query answers while the prompt is still on the phone (4999: "still under
# processing"); every other non-zero code is final (1032 cancelled, 1037 no answer, 1 funds...).
STILL_PROCESSING_CODES = frozenset({4999})

_tokens: dict[tuple[str, str], tuple[str, datetime]] = {}
_tokens_lock = threading.Lock()


class DarajaError(RuntimeError):
    """Daraja is unreachable or refused the call; ``code`` is its ``errorCode`` when it gave one."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class StkAccepted:
    """Daraja accepted an STK Push: the prompt is on its way to the phone."""

    merchant_request_id: str
    checkout_request_id: str
    customer_message: str


@dataclass(frozen=True)
class StkStatus:
    """What the query says of a prompt: still ``processing``, or settled with ``result_code``."""

    processing: bool
    result_code: int | None = None
    result_desc: str = ""


def timestamp(now: datetime) -> str:
    """``now`` as Daraja's Timestamp: YYYYMMDDHHMMSS in Africa/Nairobi time."""
    if now.tzinfo is None:
        raise ValueError("now: a timezone-aware instant")
    return now.astimezone(NAIROBI).strftime("%Y%m%d%H%M%S")


def password(shortcode: str, passkey: str, stamp: str) -> str:
    """Daraja's Password: base64 of shortcode + passkey + timestamp."""
    return base64.b64encode(f"{shortcode}{passkey}{stamp}".encode()).decode()


def forget_tokens() -> None:
    """Drop every cached access token (a credential change; tests)."""
    with _tokens_lock:
        _tokens.clear()


def _json(resp: requests.Response, what: str) -> dict[str, Any]:
    try:
        data = resp.json()
    except ValueError:
        raise DarajaError(f"Daraja {what}: HTTP {resp.status_code}, not JSON") from None
    if not isinstance(data, dict):
        raise DarajaError(f"Daraja {what}: HTTP {resp.status_code}, not a JSON object")
    return data


def _error(resp: requests.Response, data: dict[str, Any], what: str) -> DarajaError:
    code = data.get("errorCode")
    message = data.get("errorMessage") or data.get("ResponseDescription") or "no description"
    return DarajaError(
        f"Daraja {what}: HTTP {resp.status_code} {code or ''} {message}".replace("  ", " "),
        str(code) if code else None,
    )


class Daraja:
    """Daraja for one paybill (shortcode) and app (consumer key/secret)."""

    def __init__(
        self,
        consumer_key: str,
        consumer_secret: str,
        shortcode: str,
        passkey: str,
        api_base: str,
        timeout: tuple[float, float] = TIMEOUT,
    ) -> None:
        self.consumer_key, self.consumer_secret = consumer_key, consumer_secret
        self.shortcode, self.passkey = shortcode, passkey
        self.api_base = api_base.rstrip("/")
        self.timeout = timeout

    # --- OAuth -------------------------------------------------------------------------------
    def _key(self) -> tuple[str, str]:
        return (self.api_base, self.consumer_key)

    def token(self, now: datetime) -> str:
        """An access token valid at ``now``: the cached one, else a fresh one."""
        with _tokens_lock:
            cached = _tokens.get(self._key())
        if cached is not None and now < cached[1]:
            return cached[0]
        try:
            resp = requests.get(
                f"{self.api_base}/oauth/v1/generate",
                params={"grant_type": "client_credentials"},
                auth=(self.consumer_key, self.consumer_secret),
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise DarajaError(f"Daraja token: unreachable ({exc.__class__.__name__})") from None
        data = _json(resp, "token")
        token, expires = data.get("access_token"), data.get("expires_in")
        if resp.status_code != 200 or not isinstance(token, str) or not token:
            raise _error(resp, data, "token")
        try:
            seconds = int(str(expires))
        except ValueError:
            raise DarajaError(f"Daraja token: expires_in is not a number: {expires!r}") from None
        with _tokens_lock:
            _tokens[self._key()] = (token, now + timedelta(seconds=seconds) - TOKEN_MARGIN)
        return token

    def _drop_token(self) -> None:
        with _tokens_lock:
            _tokens.pop(self._key(), None)

    def _post(
        self, path: str, body: dict[str, Any], now: datetime, what: str
    ) -> tuple[requests.Response, dict[str, Any]]:
        """POST with the bearer token; once more with a fresh token if Daraja says it expired."""
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self.token(now)}"}
            try:
                resp = requests.post(
                    f"{self.api_base}{path}", json=body, headers=headers, timeout=self.timeout
                )
            except requests.RequestException as exc:
                raise DarajaError(
                    f"Daraja {what}: unreachable ({exc.__class__.__name__})"
                ) from None
            data = _json(resp, what)
            if data.get("errorCode") == INVALID_TOKEN and attempt == 1:
                self._drop_token()  # revoked or expired early: one fresh token, then give up
                continue
            return resp, data
        raise AssertionError("unreachable")  # pragma: no cover

    def _secured(self, now: datetime) -> dict[str, str]:
        stamp = timestamp(now)
        return {
            "BusinessShortCode": self.shortcode,
            "Password": password(self.shortcode, self.passkey, stamp),
            "Timestamp": stamp,
        }

    # --- STK Push ----------------------------------------------------------------------------
    def stk_push(
        self,
        *,
        phone: str,
        amount: int,
        account_reference: str,
        description: str,
        callback_url: str,
        now: datetime,
    ) -> StkAccepted:
        """Send the M-Pesa prompt for ``amount`` whole shillings to ``phone`` (2547XXXXXXXX)."""
        body = {
            **self._secured(now),
            "TransactionType": "CustomerPayBillOnline",
            "Amount": amount,
            "PartyA": phone,
            "PartyB": self.shortcode,
            "PhoneNumber": phone,
            "CallBackURL": callback_url,
            "AccountReference": account_reference,
            "TransactionDesc": description,
        }
        resp, data = self._post("/mpesa/stkpush/v1/processrequest", body, now, "STK push")
        checkout, merchant = data.get("CheckoutRequestID"), data.get("MerchantRequestID")
        if resp.status_code != 200 or str(data.get("ResponseCode")) != "0":
            raise _error(resp, data, "STK push")
        if not isinstance(checkout, str) or not checkout or len(checkout) > 64:
            raise DarajaError("Daraja STK push: no CheckoutRequestID in the answer")
        if not isinstance(merchant, str) or len(merchant) > 64:
            raise DarajaError("Daraja STK push: no MerchantRequestID in the answer")
        return StkAccepted(merchant, checkout, str(data.get("CustomerMessage") or ""))

    def stk_query(self, checkout_request_id: str, now: datetime) -> StkStatus:
        """The state of a prompt Daraja accepted earlier."""
        body = {**self._secured(now), "CheckoutRequestID": checkout_request_id}
        resp, data = self._post("/mpesa/stkpushquery/v1/query", body, now, "STK query")
        if data.get("errorCode") == PROCESSING:
            return StkStatus(processing=True, result_desc=str(data.get("errorMessage") or ""))
        if resp.status_code != 200 or str(data.get("ResponseCode")) != "0":
            raise _error(resp, data, "STK query")
        try:
            code = int(str(data.get("ResultCode")))
        except ValueError:
            raise DarajaError("Daraja STK query: no ResultCode in the answer") from None
        desc = str(data.get("ResultDesc") or "")[:255]
        if code in STILL_PROCESSING_CODES:
            return StkStatus(processing=True, result_code=code, result_desc=desc)
        return StkStatus(processing=False, result_code=code, result_desc=desc)
