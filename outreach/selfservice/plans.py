"""Plans, promises and payment methods for the bot.

Every function re-checks in the database that the conversation is verified; the bot never
creates a plan outside the limits (only an officer can, from the console). The limits are
:mod:`outreach.arrangements.limits`; what was agreed is stored by
:mod:`outreach.arrangements.agreements`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from babel.dates import format_date
from babel.numbers import format_currency
from sqlalchemy.orm import Session

from outreach import clock, config_files
from outreach.arrangements import agreements, limits
from outreach.audit import log as audit
from outreach.db import session_scope
from outreach.models import Conversation, Loan
from outreach.selfservice.access import main_loan, verified_conversation
from outreach.selfservice.locale import BOT_LANGUAGES, reply_locale
from outreach.settings import Settings

FREQUENCY_WORDS = {
    "en": {"weekly": "every week", "biweekly": "every two weeks", "monthly": "every month"},
    "es": {"weekly": "cada semana", "biweekly": "cada dos semanas", "monthly": "cada mes"},
    "sw": {"weekly": "kila wiki", "biweekly": "kila wiki mbili", "monthly": "kila mwezi"},
    "fil": {
        "weekly": "linggo-linggo",
        "biweekly": "kada dalawang linggo",
        "monthly": "buwan-buwan",
    },
    "hi": {"weekly": "हर हफ़्ते", "biweekly": "हर दो हफ़्ते", "monthly": "हर महीने"},
    "hi_Latn": {"weekly": "har hafte", "biweekly": "har do hafte", "monthly": "har mahine"},
}


# Why a proposal is outside the limits, first violation first (limits._violations' order).
REASONS = {
    "en": {
        "frequency_not_allowed": "that frequency isn't available for this loan",
        "min_instalment": "each payment must be at least {min_instalment}",
        "max_count": "a plan can have at most {max_count} payments",
        "max_term_days": "the plan would run longer than we can agree",
        "min_first_payment": "the first payment must be at least {min_first_payment}",
        "start_in_past": "the first date has already passed",
        "start_too_late": "the first payment must be within {max_start_days} days",
        "short_of_balance": "it doesn't cover the {owed} past due",
    },
    "es": {
        "frequency_not_allowed": "esa frecuencia no está disponible para este préstamo",
        "min_instalment": "cada pago debe ser de al menos {min_instalment}",
        "max_count": "un plan puede tener como máximo {max_count} pagos",
        "max_term_days": "el plan duraría más de lo que podemos acordar",
        "min_first_payment": "el primer pago debe ser de al menos {min_first_payment}",
        "start_in_past": "la primera fecha ya pasó",
        "start_too_late": "el primer pago debe ser dentro de {max_start_days} días",
        "short_of_balance": "no cubre los {owed} vencidos",
    },
    "sw": {
        "frequency_not_allowed": "muda huo wa malipo haupatikani kwa mkopo huu",
        "min_instalment": "kila malipo lazima yawe angalau {min_instalment}",
        "max_count": "mpango unaweza kuwa na malipo {max_count} tu zaidi",
        "max_term_days": "mpango ungechukua muda mrefu kuliko tunavyoweza kukubali",
        "min_first_payment": "malipo ya kwanza lazima yawe angalau {min_first_payment}",
        "start_in_past": "tarehe ya kwanza imeshapita",
        "start_too_late": "malipo ya kwanza lazima yawe ndani ya siku {max_start_days}",
        "short_of_balance": "haulipi {owed} iliyopita muda",
    },
    "fil": {
        "frequency_not_allowed": "hindi available ang ganyang dalas para sa loan na ito",
        "min_instalment": "dapat hindi bababa sa {min_instalment} ang bawat hulog",
        "max_count": "hanggang {max_count} na hulog lang ang puwede sa isang plan",
        "max_term_days": "mas tatagal ang plan kaysa sa kaya naming pagkasunduan",
        "min_first_payment": "dapat hindi bababa sa {min_first_payment} ang unang bayad",
        "start_in_past": "lumipas na ang unang petsa",
        "start_too_late": "dapat nasa loob ng {max_start_days} araw ang unang bayad",
        "short_of_balance": "hindi nito nasasakop ang {owed} na lampas sa due date",
    },
    "hi": {
        "frequency_not_allowed": "इस लोन के लिए यह अंतराल उपलब्ध नहीं है",
        "min_instalment": "हर किस्त कम से कम {min_instalment} की होनी चाहिए",
        "max_count": "एक प्लान में ज़्यादा से ज़्यादा {max_count} किस्तें हो सकती हैं",
        "max_term_days": "प्लान उससे लंबा चलेगा जितना हम तय कर सकते हैं",
        "min_first_payment": "पहली किस्त कम से कम {min_first_payment} की होनी चाहिए",
        "start_in_past": "पहली तारीख निकल चुकी है",
        "start_too_late": "पहली किस्त {max_start_days} दिनों के अंदर होनी चाहिए",
        "short_of_balance": "इससे {owed} का overdue पूरा नहीं होता",
    },
    "hi_Latn": {
        "frequency_not_allowed": "is loan ke liye yeh antaral uplabdh nahi hai",
        "min_instalment": "har kisht kam se kam {min_instalment} ki honi chahiye",
        "max_count": "ek plan mein zyada se zyada {max_count} kishtein ho sakti hain",
        "max_term_days": "plan usse lamba chalega jitna hum tay kar sakte hain",
        "min_first_payment": "pehli kisht kam se kam {min_first_payment} ki honi chahiye",
        "start_in_past": "pehli tareekh nikal chuki hai",
        "start_too_late": "pehli kisht {max_start_days} din ke andar honi chahiye",
        "short_of_balance": "isse {owed} ka overdue poora nahi hota",
    },
}


@dataclass(frozen=True)
class PlanRequest:
    """The terms the borrower asked for, as the bot holds them (slot text): ``count`` payments
    of ``amount`` every ``frequency`` (weekly|biweekly|monthly) from ``start`` (an ISO date);
    ``first_amount`` replaces the first payment (a counter-offer's)."""

    amount: str
    count: int | str
    frequency: str
    start: str
    first_amount: str | None = None

    def terms(self) -> limits.PlanTerms:
        """The terms as numbers and a date; ValueError ("terms: malformed") when one is not."""
        try:
            return limits.PlanTerms(
                Decimal(str(self.amount)),
                int(float(self.count)),
                str(self.frequency),
                date.fromisoformat(str(self.start)),
                Decimal(str(self.first_amount)) if self.first_amount else None,
            )
        except (InvalidOperation, ValueError, TypeError) as exc:
            raise ValueError(f"terms: malformed ({exc.__class__.__name__})") from exc


@dataclass(frozen=True)
class TermsView:
    """Terms as the bot shows them (formatted) and as it passes them back (raw)."""

    amount: str
    amount_text: str
    count: int
    frequency: str
    frequency_words: str
    start: str
    start_text: str
    first_amount: str | None
    first_amount_text: str
    last_date_text: str
    total_text: str


@dataclass(frozen=True)
class PlanOffer:
    within_policy: bool
    violations: list[str]
    proposal: TermsView
    counter_offer: TermsView | None
    limits: dict[str, str] = field(default_factory=dict)
    reason: str = ""  # the first violation, in words


@dataclass(frozen=True)
class PlanConfirmation:
    plan_id: int
    terms: TermsView


@dataclass(frozen=True)
class PromiseView:
    promise_id: int
    date_text: str
    amount_text: str


def _view(
    terms: limits.PlanTerms,
    schedule: list[tuple[date, Decimal]],
    currency: str,
    locale: str,
    language: str,
) -> TermsView:
    def money(v: Decimal) -> str:
        return format_currency(v, currency, locale=locale)

    return TermsView(
        amount=str(terms.instalment_amount),
        amount_text=money(terms.instalment_amount),
        count=len(schedule),
        frequency=terms.frequency,
        frequency_words=FREQUENCY_WORDS[language][terms.frequency],
        start=terms.start_date.isoformat(),
        start_text=format_date(terms.start_date, "long", locale=locale),
        first_amount=str(terms.first_amount) if terms.first_amount is not None else None,
        first_amount_text=money(schedule[0][1]),
        last_date_text=format_date(schedule[-1][0], "long", locale=locale),
        total_text=money(sum((a for _, a in schedule), Decimal("0"))),
    )


def _context(
    session: Session, conversation_id: str, language: str | None
) -> tuple[Conversation, Loan, str, str] | None:
    """The verified conversation, its main loan, the reply locale and language; None unless
    the database confirms a fresh verification."""
    conv = verified_conversation(session, conversation_id)
    loan = main_loan(session, conv) if conv is not None else None
    if conv is None or loan is None:
        return None
    lang = language if language in BOT_LANGUAGES else "en"
    return conv, loan, reply_locale(conv.borrower.locale if conv.borrower else "en", lang), lang


def money_text(amount: Decimal | str, currency: str, locale: str) -> str:
    return format_currency(Decimal(str(amount)), currency, locale=locale)


def quote_plan(
    conversation_id: str,
    request: PlanRequest,
    language: str | None = None,
    settings: Settings | None = None,
) -> PlanOffer | None:
    """Check the borrower's proposal; a counter-offer when it is outside the limits.
    None unless the conversation is verified. ValueError naming a malformed field."""
    settings = settings or Settings.from_env()
    with session_scope(settings.database_url) as session:
        ctx = _context(session, conversation_id, language)
        if ctx is None:
            return None
        conv, loan, locale, lang = ctx
        today = loan.borrower.today(clock.now())
        quote = limits.evaluate_proposal(loan, request.terms(), today)
        proposal = _view(quote.terms, quote.schedule, loan.currency, locale, lang)
        counter = None
        if quote.counter_offer is not None:
            offer = limits.evaluate_proposal(loan, quote.counter_offer, today)
            counter = _view(offer.terms, offer.schedule, loan.currency, locale, lang)
        bounds = limits.limits_for(loan)
        words = {
            "min_instalment": money_text(bounds["min_instalment"], loan.currency, locale),
            "max_count": str(bounds["max_count"]),
            "owed": money_text(bounds["owed"], loan.currency, locale),
            "min_first_payment": money_text(bounds["min_first_payment"], loan.currency, locale),
            "max_start_days": str(bounds["max_start_days"]),
        }
        reason = REASONS[lang][quote.violations[0]].format(**words) if quote.violations else ""
        audit.record(
            session,
            "bot",
            "plan.quoted",
            subject=f"loan:{loan.id}",
            borrower_id=conv.borrower_id,
            details={
                "within_policy": quote.within_policy,
                "violations": quote.violations,
                "counter_offer": counter is not None,
            },
        )
        return PlanOffer(quote.within_policy, quote.violations, proposal, counter, words, reason)


def accept_plan(
    conversation_id: str,
    request: PlanRequest,
    language: str | None = None,
    settings: Settings | None = None,
) -> PlanConfirmation | None:
    """Store the plan the borrower confirmed (re-checked: only within the limits).
    None unless verified; ValueError when the terms are malformed or outside the limits."""
    settings = settings or Settings.from_env()
    with session_scope(settings.database_url) as session:
        ctx = _context(session, conversation_id, language)
        if ctx is None:
            return None
        conv, loan, locale, lang = ctx
        plan = agreements.create_plan(
            session,
            loan,
            request.terms(),
            created_by="bot",
            conversation_id=conv.id,
            today=loan.borrower.today(clock.now()),
        )
        schedule = [(i.due_date, i.amount) for i in plan.instalments]
        terms = limits.PlanTerms(
            plan.instalment_amount,
            plan.instalment_count,
            plan.frequency,
            plan.start_date,
            plan.first_amount,
        )
        return PlanConfirmation(plan.id, _view(terms, schedule, loan.currency, locale, lang))


def promise_limit() -> int:
    """How many days ahead a promised date may be (config/bot.yaml promise.max_days)."""
    return agreements.promise_max_days()


def promise_to_pay(
    conversation_id: str,
    promised: str,
    amount: str | None,
    language: str | None = None,
    settings: Settings | None = None,
) -> PromiseView | None:
    """Store a promise; ``amount`` "all" (or None) means the whole past-due amount.
    None unless verified; ValueError naming the field beyond the configured maximum."""
    settings = settings or Settings.from_env()
    with session_scope(settings.database_url) as session:
        ctx = _context(session, conversation_id, language)
        if ctx is None:
            return None
        conv, loan, locale, _ = ctx
        value = loan.past_due_amount if amount in (None, "", "all") else Decimal(str(amount))
        promise = agreements.record_promise(
            session,
            loan,
            date.fromisoformat(promised),
            value,
            created_by="bot",
            conversation_id=conv.id,
            today=loan.borrower.today(clock.now()),
        )
        return PromiseView(
            promise.id,
            format_date(promise.promised_date, "long", locale=locale),
            money_text(promise.amount or 0, loan.currency, locale),
        )


def payment_methods(language: str | None = None) -> list[str]:
    """The lines listing how to pay, with the payment link, in the borrower's language."""
    cfg = config_files.bot()
    lang = language if language in BOT_LANGUAGES else "en"
    listed = cfg.get("payment_methods") or {}
    methods = listed.get(lang) or listed.get("en") or []
    return [str(m).format(link=cfg.get("payment_link", "")) for m in methods]
