"""Paying inside the bot conversation: what the action server offers a borrower who says "I want
to pay now", and the M-Pesa prompt it starts once they confirm.

The bot's actions call these functions with the opaque conversation id only (like
``outreach.selfservice``); each opens its own session and re-checks in the database that the
conversation passed a fresh identity check (``None`` when it did not: nothing is disclosed).

- The amount: ``next_amount.default_amount`` (the open promise, the next instalment, the
  arrears, the balance), or one the borrower names, from the configured minimum up to what is
  owed (``outreach.payments.amounts``).
- The way to pay: the borrower's providers in the lender's order (``offers.offer_for``). M-Pesa
  with a phone on file: the bot asks to confirm the (masked) number and the amount, then
  :func:`start_payment` sends the STK Push (``outreach.payments.stk``); otherwise the
  borrower's payment link (``requests.payment_link``: it names the loan and this conversation,
  never an amount; its page pays by card, UPI or demo mode's sandbox); nothing offered: the
  lender's own ways to pay.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_currency
from sqlalchemy.orm import Session

from outreach import clock
from outreach.audit import log as audit
from outreach.db import session_scope
from outreach.models import Conversation, Loan
from outreach.payments import amounts, offers, stk
from outreach.payments.bot_methods import as_list, configured_lines, own_link
from outreach.payments.next_amount import default_amount
from outreach.selfservice.access import main_loan, verified_conversation
from outreach.selfservice.locale import BOT_LANGUAGES, reply_locale
from outreach.settings import Settings

# What an offer is (PaymentOffer.kind).
LINK = "link"  # the borrower's payment page
MPESA = "mpesa"  # confirm the phone and the amount, then an STK Push
DIRECT = "direct"  # nothing offered here: the lender's own ways to pay, or a person
REFUSED = "refused"  # the amount named is outside the limits (PaymentOffer.refusal says how)
# Why this amount (PaymentOffer.reason), in words.
REASONS = {
    "en": {
        "promise": "what you promised to pay",
        "instalment": "your next instalment",
        "arrears": "the amount past due",
        "outstanding": "your balance",
        "chosen": "the amount you chose",
        "settlement": "your agreed settlement",
    },
    "es": {
        "promise": "lo que prometió pagar",
        "instalment": "su próxima cuota",
        "arrears": "lo vencido",
        "outstanding": "su saldo",
        "chosen": "el monto que eligió",
        "settlement": "su acuerdo de liquidación",
    },
    "sw": {
        "promise": "ulichoahidi kulipa",
        "instalment": "malipo yako yajayo",
        "arrears": "kiasi kilichopita muda",
        "outstanding": "salio lako",
        "chosen": "kiasi ulichochagua",
        "settlement": "makubaliano yako ya kumaliza deni",
    },
    "fil": {
        "promise": "ang ipinangako mong bayaran",
        "instalment": "ang susunod mong hulog",
        "arrears": "ang halagang lampas sa due date",
        "outstanding": "ang balance mo",
        "chosen": "ang halagang pinili mo",
        "settlement": "ang napagkasunduang settlement mo",
    },
    "hi": {
        "promise": "जो आपने भरने का वादा किया",
        "instalment": "आपकी अगली किस्त",
        "arrears": "overdue रकम",
        "outstanding": "आपका बैलेंस",
        "chosen": "आपकी चुनी हुई रकम",
        "settlement": "आपका तय सेटलमेंट",
    },
    "hi_Latn": {
        "promise": "jo aapne bharne ka vaada kiya",
        "instalment": "aapki agli kisht",
        "arrears": "overdue amount",
        "outstanding": "aapka balance",
        "chosen": "aapka chuna hua amount",
        "settlement": "aapka tay settlement",
    },
}
PAGE_PROVIDERS = ("stripe", "razorpay")  # providers whose payment starts from the link
# Why no prompt was sent (outreach.payments.stk.REFUSALS); start_payment reports one of them.
STK_REFUSALS = stk.REFUSALS


@dataclass(frozen=True)
class PaymentOffer:
    """What the bot says to a borrower who wants to pay. Every ``*_text`` is formatted for the
    borrower's locale (money never as a float); ``amount`` is the decimal the bot hands back to
    :func:`start_payment` once the borrower confirms."""

    kind: str
    provider: str | None
    minimum_text: str
    maximum_text: str
    amount: str = ""
    amount_text: str = ""
    reason: str = ""
    link: str = ""  # LINK
    phone: str = ""  # MPESA: masked, +254 7•• ••• 123
    refusal: str = ""  # REFUSED: too_small | too_large | invalid | whole (M-Pesa: no cents)
    methods: str = ""  # DIRECT: the lender's ways to pay, one "- " line each
    paybill: str = ""  # M-Pesa offered: the lender's paybill number
    account: str = ""  # ... and the account to enter there (the loan number)


@dataclass(frozen=True)
class PushOutcome:
    """The STK Push the borrower confirmed: ``started``, else ``refusal`` (an STK_REFUSALS code)."""

    started: bool
    refusal: str
    minimum_text: str
    maximum_text: str
    amount_text: str = ""
    paybill: str = ""
    account: str = ""


@dataclass(frozen=True)
class _Context:
    conv: Conversation
    loan: Loan
    locale: str
    language: str

    def money(self, amount: Decimal) -> str:
        return format_currency(amount, self.loan.currency, locale=self.locale)

    def limits(self) -> dict[str, str]:
        """What may be paid at once: from the minimum up to everything owed."""
        return {
            "minimum_text": self.money(amounts.smallest(self.loan)),
            "maximum_text": self.money(self.loan.outstanding),
        }


def _context(session: Session, conversation_id: str, language: str | None) -> _Context | None:
    """The verified conversation and its main loan; None unless the database confirms a fresh
    identity check."""
    conv = verified_conversation(session, conversation_id)
    loan = main_loan(session, conv) if conv is not None else None
    if conv is None or loan is None or conv.borrower is None:
        return None
    lang = language if language in BOT_LANGUAGES else "en"
    return _Context(conv, loan, reply_locale(conv.borrower.locale or "en", lang), lang)


def _paybill(settings: Settings, loan: Loan) -> dict[str, str]:
    """Where a borrower who ignores the prompt pays: the lender's paybill (Safaricom's test
    paybill in demo mode), with the loan number as the account (a C2B confirmation is matched by
    it)."""
    return {"paybill": stk.paybill(settings), "account": loan.loan_number}


def _way_to_pay(
    session: Session, settings: Settings, offer: offers.Offer, ctx: _Context
) -> dict[str, Any]:
    """How the borrower pays, in the lender's order of providers: M-Pesa in the chat when it
    comes before any card or UPI provider and a phone is on file; else the payment link (its page
    pays through the first offered provider); else, nothing offered, the lender's own ways to
    pay. The kind and its fields; the paybill goes with every offer where M-Pesa is offered."""
    conv, loan = ctx.conv, ctx.loan
    mpesa = stk.mpesa_offered(settings, loan)  # the country offers it and the loan is in KES
    paybill = _paybill(settings, loan) if mpesa else {}
    for provider in offer.providers:
        if provider == "mpesa":
            phone = stk.masked_phone_on_file(conv.borrower) if mpesa else None
            if phone is not None:
                return {"kind": MPESA, "provider": provider, "phone": phone, **paybill}
        elif provider in PAGE_PROVIDERS:
            break
    # The payment link: its page pays through the first offered provider (M-Pesa without a
    # phone on file shows the paybill there).
    link = own_link(settings, conv, loan) if offer.providers else ""
    if link:
        return {"kind": LINK, "provider": offer.first, "link": link, **paybill}
    methods = as_list(configured_lines(ctx.language))
    return {"kind": DIRECT, "provider": None, "methods": methods, **paybill}


def _whole_shillings(value: Decimal, loan: Loan) -> Decimal:
    """A proposed amount as M-Pesa takes it: whole shillings, rounded up so a promise or an
    instalment is covered, never above what is owed."""
    whole = value.to_integral_value(rounding=ROUND_CEILING)
    return whole if whole <= loan.outstanding else value.to_integral_value(rounding=ROUND_FLOOR)


def offer_payment(
    conversation_id: str,
    amount: str | None = None,
    language: str | None = None,
    purpose: str | None = None,
    settings: Settings | None = None,
) -> PaymentOffer | None:
    """What to offer a verified borrower who wants to pay now. ``amount``: the one they named
    (REFUSED when it may not be paid at once, or has cents for M-Pesa), else the default
    amount, ``purpose`` ("promise" or "instalment") first. Audited ``payment.offered``. None
    unless verified."""
    settings = settings or Settings.from_env()
    with session_scope(settings.database_url) as session:
        ctx = _context(session, conversation_id, language)
        if ctx is None:
            return None
        loan = ctx.loan
        offer = offers.offer_for(settings, ctx.conv.borrower.country)
        way = _way_to_pay(session, settings, offer, ctx)
        if amount is not None:
            try:
                value, reason = amounts.checked_amount(loan, str(amount)), "chosen"
            except amounts.AmountRefused as exc:
                return PaymentOffer(REFUSED, None, refusal=exc.code, **ctx.limits())
            if way["kind"] == MPESA and value != value.to_integral_value():
                return PaymentOffer(REFUSED, None, refusal="whole", **ctx.limits())
        else:
            value, reason = default_amount(session, loan, purpose)
            if way["kind"] == MPESA:
                value = _whole_shillings(value, loan)
        result = PaymentOffer(
            **way,
            amount=str(value),
            amount_text=ctx.money(value),
            reason=REASONS[ctx.language][reason],
            **ctx.limits(),
        )
        audit.record(
            session,
            "bot",
            "payment.offered",
            subject=f"loan:{loan.id}",
            borrower_id=ctx.conv.borrower_id,
            details={
                "kind": result.kind,
                "provider": result.provider,
                "sandbox": offer.sandbox,
                "amount": str(value),
                "reason": reason,
            },
        )
        return result


def start_payment(
    conversation_id: str,
    amount: str,
    language: str | None = None,
    settings: Settings | None = None,
) -> PushOutcome | None:
    """Send the M-Pesa STK Push the borrower just confirmed: ``amount`` to the Kenyan mobile on
    file (``stk.phone_on_file``: never a number typed in the chat). ``stk.start_stk_push``
    checks both again (the slots only carry what was shown) and stores and audits the request.
    None unless verified."""
    settings = settings or Settings.from_env()
    with session_scope(settings.database_url) as session:
        ctx = _context(session, conversation_id, language)
        if ctx is None:
            return None
        conv, loan = ctx.conv, ctx.loan
        base = {**ctx.limits(), **_paybill(settings, loan)}
        try:
            value = Decimal(str(amount))
        except InvalidOperation:
            return PushOutcome(False, "amount", **base)
        base["amount_text"] = ctx.money(value) if value.is_finite() else ""
        phone = stk.phone_on_file(conv.borrower)
        if phone is None:
            code = "bad_phone" if stk.mpesa_offered(settings, loan) else "not_offered"
            return PushOutcome(False, code, **base)
        try:
            stk.start_stk_push(
                session,
                settings,
                loan,
                phone,
                value,
                clock.now(),
                conversation_id=conv.id,
                started_by="bot",
            )
        except stk.StkRefused as exc:
            code = exc.code if exc.code in STK_REFUSALS else "provider_down"
            return PushOutcome(False, code, **base)
        return PushOutcome(True, "", **base)
