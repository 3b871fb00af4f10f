"""Starting an M-Pesa STK Push: the prompt on the borrower's phone to pay a loan.

The bot (after the borrower confirmed the number and amount), an officer on a case, or the
borrower on the M-Pesa page call :func:`start_stk_push`. It refuses (:class:`StkRefused`) unless
M-Pesa is offered for the borrower's country (``outreach.payments.offers``) on a KES loan, the
phone is a valid Kenyan mobile, the amount is whole shillings from the configured minimum up to
what is owed, and the loan has had fewer than ``prompts_per_loan_per_hour`` prompts in the last
hour (config/payments.yaml ``mpesa``). Then Daraja is asked to send the prompt
(``outreach.payments.daraja``) and the request is stored (``stk_requests``) and audited
(``payment.stk_started``, phone masked). In demo mode no HTTP call is made: the prompt waits on
the sandbox phone (``outreach.payments.stk_sandbox``). The result arrives later, by callback or
status query (``outreach.payments.stk_settle``).
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import phonenumbers
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outreach import config_files
from outreach.audit import log as audit
from outreach.messaging import pay_links
from outreach.messaging.contact_policy import usable_point
from outreach.models import Borrower, Loan, StkRequest
from outreach.payments import amounts
from outreach.payments.apply import loan_key
from outreach.payments.daraja import Daraja, DarajaError
from outreach.payments.mpesa import CURRENCY, Mpesa
from outreach.payments.offers import offer_for
from outreach.payments.providers import configured
from outreach.settings import Settings

log = logging.getLogger(__name__)
REFUSALS = ("not_offered", "bad_phone", "amount", "too_many", "provider_down")
DEFAULTS = {"prompts_per_loan_per_hour": 3, "query_after_seconds": 180, "expire_after_hours": 24}
# Safaricom's public test paybill: what demo mode shows as the paybill to pay by.
DEMO_PAYBILL = "174379"
# Daraja: AccountReference at most 12 characters, TransactionDesc 1 to 13.
MAX_ACCOUNT_REFERENCE = 12
TRANSACTION_DESC = "Loan payment"
KENYAN_MOBILE_TYPES = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
)


class StkRefused(ValueError):
    """No prompt was sent; ``code`` says why (one of ``REFUSALS``)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


def stk_config() -> dict[str, Any]:
    """config/payments.yaml ``mpesa`` over the defaults."""
    values: dict[str, Any] = dict(DEFAULTS)
    if (config_files.config_dir() / "payments.yaml").is_file():
        values.update(config_files.load("payments.yaml").get("mpesa") or {})
    return values


def kenyan_mobile(phone: str) -> str | None:
    """``phone`` as Daraja takes it (2547XXXXXXXX, 2541XXXXXXXX) if a valid Kenyan mobile."""
    try:
        number = phonenumbers.parse(phone.strip(), "KE")
    except (phonenumbers.NumberParseException, AttributeError):
        return None
    if not phonenumbers.is_valid_number(number) or number.country_code != 254:
        return None
    if phonenumbers.number_type(number) not in KENYAN_MOBILE_TYPES:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


def mask_phone(phone: str, plain: bool = False) -> str:
    """A phone as a borrower or officer is shown it: country code, first digit, last three.
    ``plain``: with ``*`` instead of bullets (the bullet is not GSM-7: it would make an SMS
    UCS-2)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    dot = "*" if plain else "•"
    if digits.startswith("254") and len(digits) == 12:
        return f"+254 {digits[3]}{dot * 2} {dot * 3} {digits[-3:]}"
    return dot * max(len(digits) - 3, 3) + digits[-3:]


def phone_on_file(borrower: Borrower) -> str | None:
    """The borrower's Kenyan mobile on file (SMS first, then WhatsApp), E.164; None if none."""
    for channel in ("sms", "whatsapp"):
        point = usable_point(list(borrower.contact_points), channel)
        if point is not None and kenyan_mobile(point.address):
            return "+" + str(kenyan_mobile(point.address))
    return None


def masked_phone_on_file(borrower: Borrower, plain: bool = False) -> str | None:
    """:func:`phone_on_file`, masked (what the bot and the pages show)."""
    phone = phone_on_file(borrower)
    return mask_phone(phone, plain) if phone else None


def mpesa_offered(settings: Settings, loan: Loan) -> bool:
    """M-Pesa is offered for ``loan``: its borrower's country offers it, and it is in KES."""
    offer = offer_for(settings, loan.borrower.country)
    return loan.currency == CURRENCY and "mpesa" in offer.providers


def page_url(settings: Settings, loan_id: int, conversation_id: int | None = None) -> str:
    """``PUBLIC_BASE_URL/pay/mpesa/<token>``: the borrower's M-Pesa page (the card link's
    token: ``outreach.messaging.pay_links``)."""
    token = pay_links.make_token(settings, loan_id, conversation_id, pay_links.PAY)
    return f"{settings.public_base_url}/pay/mpesa/{token}"


def paybill(settings: Settings) -> str:
    """The paybill (business number) a borrower pays by when the prompt does not complete."""
    return settings.mpesa_shortcode or DEMO_PAYBILL


def whole_shillings(loan: Loan, amount: Decimal) -> int:
    """``amount`` if whole shillings from the minimum up to what is owed; else StkRefused."""
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount != amount.to_integral():
        raise StkRefused("amount", "whole shillings")
    smallest = amounts.smallest(loan).to_integral_value(rounding=ROUND_FLOOR)
    if amount < max(smallest, Decimal(1)) or amount > loan.outstanding:
        raise StkRefused("amount", f"from {smallest} up to {loan.outstanding}")
    return int(amount)


def account_reference(loan_number: str) -> str:
    """The loan number as the prompt's AccountReference (Daraja takes 12 characters at most:
    a longer one is sent as its last 12 letters and digits)."""
    if len(loan_number) <= MAX_ACCOUNT_REFERENCE:
        return loan_number
    return loan_key(loan_number)[-MAX_ACCOUNT_REFERENCE:]


def callback_url(settings: Settings) -> str:
    return f"{settings.public_base_url}/webhooks/payments/mpesa/{settings.mpesa_callback_token}/stk"


def daraja_for(provider: Mpesa) -> Daraja:
    return Daraja(
        provider.consumer_key,
        provider.consumer_secret,
        provider.shortcode,
        provider.passkey,
        provider.api_base,
    )


def _recent_prompts(session: Session, loan: Loan, now: datetime) -> int:
    # Serialise prompts for one loan (PostgreSQL: the loan row is locked until the caller's
    # transaction ends), so two clicks at once both count the other.
    session.execute(select(Loan.id).where(Loan.id == loan.id).with_for_update())
    return int(
        session.scalar(
            select(func.count(StkRequest.id)).where(
                StkRequest.loan_id == loan.id, StkRequest.created_at > now - timedelta(hours=1)
            )
        )
        or 0
    )


def start_stk_push(
    session: Session,
    settings: Settings,
    loan: Loan,
    phone: str,
    amount: Decimal,
    now: datetime,
    *,
    conversation_id: int | None,
    started_by: str,
) -> StkRequest:
    """Send the M-Pesa prompt to pay ``amount`` on ``loan`` to ``phone``; the stored request
    (committed), or :class:`StkRefused` with ``code`` in ``REFUSALS`` and nothing stored."""
    borrower = loan.borrower
    offer = offer_for(settings, borrower.country)
    if not mpesa_offered(settings, loan):
        raise StkRefused("not_offered")
    msisdn = kenyan_mobile(phone)
    if msisdn is None:
        raise StkRefused("bad_phone")
    whole = whole_shillings(loan, amount)
    if _recent_prompts(session, loan, now) >= int(stk_config()["prompts_per_loan_per_hour"]):
        raise StkRefused("too_many")
    if offer.sandbox:
        merchant, checkout = "sbx-" + secrets.token_hex(6), "ws_CO_SBX_" + secrets.token_hex(10)
    else:
        provider = configured(settings)["mpesa"]
        assert isinstance(provider, Mpesa)
        try:
            accepted = daraja_for(provider).stk_push(
                phone=msisdn,
                amount=whole,
                account_reference=account_reference(loan.loan_number),
                description=TRANSACTION_DESC,
                callback_url=callback_url(settings),
                now=now,
            )
        except DarajaError as exc:
            log.warning("payments: STK push for loan %s not sent: %s", loan.id, exc)
            raise StkRefused("provider_down", str(exc)) from exc
        merchant, checkout = accepted.merchant_request_id, accepted.checkout_request_id
    req = StkRequest(
        checkout_request_id=checkout,
        merchant_request_id=merchant,
        loan_id=loan.id,
        borrower_id=borrower.id,
        conversation_id=conversation_id,
        phone=msisdn,
        amount=Decimal(whole),
        status="pending",
        sandbox=offer.sandbox,
        started_by=started_by[:64],
        created_at=now,
        updated_at=now,
    )
    session.add(req)
    session.flush()
    audit.record(
        session,
        started_by[:64],
        "payment.stk_started",
        subject=f"stk_request:{req.id}",
        borrower_id=borrower.id,
        details={
            "loan_id": loan.id,
            "amount": str(whole),
            "currency": CURRENCY,
            "phone": mask_phone(msisdn),
            "checkout_request_id": checkout,
            "conversation_id": conversation_id,
            "sandbox": offer.sandbox,
        },
        at=now,
    )
    session.commit()
    log.info("payments: STK prompt %s for loan %s", req.id, loan.id)
    return req
