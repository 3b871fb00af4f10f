"""The services Rasa custom actions call (the action server runs in the app's venv).

Contract: actions know only the opaque conversation id (``tracker.sender_id``). Every function
re-checks authorisation against the database itself: a slot in Rasa is never trusted for access
to account details. Plans, promises and payment methods live in ``bot_plans`` and are re-exported
here, so actions import this one module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import audit, bot_config, clock
from .bot_hours import handoff_eta
from .bot_locale import BOT_LANGUAGES, reply_locale
from .db import session_scope
from .models import (
    BorrowerFlag,
    ContactPoint,
    Conversation,
    HandoffCase,
    Loan,
    VerificationProgress,
)
from .models.borrowers import FLAGS, NON_BLOCKING_FLAGS
from .settings import Settings

MAX_VERIFY_ATTEMPTS = 3
FACTORS = ("date_of_birth", "loan_last4")
PHONE_CHANNELS = ("sms", "whatsapp")
# Reasons an officer should see first (open_handoff gives them priority 1).
URGENT_REASONS = ("dispute", "hardship", "complaint", "verification_failed")


@dataclass(frozen=True)
class VerifyResult:
    verified: bool
    locked: bool
    attempts_left: int
    # More factors are needed before the outcome is decided (nothing is said about this one).
    pending: bool = False
    # The text did not look like this factor at all: no attempt was spent.
    understood: bool = True


@dataclass(frozen=True)
class BalanceView:
    loan_ref: str
    outstanding: str
    past_due: str
    days_past_due: int
    next_due_date: str
    next_due_amount: str


_DATE_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%d.%m.%Y",
    "%B %d %Y",
    "%b %d %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%m/%d/%y",
    "%d/%m/%y",
)
_ES_MONTHS = {
    "enero": "january",
    "febrero": "february",
    "marzo": "march",
    "abril": "april",
    "mayo": "may",
    "junio": "june",
    "julio": "july",
    "agosto": "august",
    "septiembre": "september",
    "setiembre": "september",
    "octubre": "october",
    "noviembre": "november",
    "diciembre": "december",
}


def parse_dates(text: str) -> set[date]:
    """Every date the text could mean (day/month order is ambiguous, so both are kept).
    Understands English and Spanish month names ("14 de marzo de 1985")."""
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.strip().lower())
    cleaned = re.sub(r"\bde(l)?\b", " ", cleaned)
    for es, en in _ES_MONTHS.items():
        cleaned = re.sub(rf"\b{es}\b", en, cleaned)
    cleaned = re.sub(r"[,]", " ", cleaned)
    candidates = set(re.findall(r"\d{1,4}[/.\-]\d{1,2}[/.\-]\d{2,4}", cleaned))
    candidates |= set(re.findall(r"[a-z]+\s+\d{1,2}\s+\d{4}|\d{1,2}\s+[a-z]+\s+\d{4}", cleaned))
    found: set[date] = set()
    today = clock.now().date()  # only to put a two-digit year of birth in the past
    for cand in candidates:
        cand = re.sub(r"\s+", " ", cand)
        for fmt in _DATE_FORMATS:
            try:
                parsed = datetime.strptime(cand, fmt).date()
            except ValueError:
                continue
            if fmt.endswith("%y") and parsed > today:
                # strptime puts "60" in 2060; a date of birth is in the past: 1960.
                parsed = parsed.replace(year=parsed.year - 100)
            found.add(parsed)
    return {d for d in found if d.year > 1900}


def _conversation(session: Session, conversation_id: str) -> Conversation | None:
    return session.scalar(select(Conversation).where(Conversation.public_id == conversation_id))


def borrower_today(conversation_id: str, settings: Settings | None = None) -> date:
    """The borrower's calendar date now, in the borrower's zone (the UTC date for a number that
    is no borrower's): relative days the borrower types ("friday", "in 3 days") count from it."""
    settings = settings or Settings.from_env()
    now = clock.now()
    with session_scope(settings.database_url) as session:
        conv = _conversation(session, conversation_id)
        if conv is None or conv.borrower is None:
            return now.date()
        return conv.borrower.today(now)


def verified_conversation(session: Session, conversation_id: str) -> Conversation | None:
    """The conversation, only if the database says its borrower passed verification."""
    conv = _conversation(session, conversation_id)
    if conv is None or conv.identity_verified_at is None or conv.details_locked_at is not None:
        return None
    return conv


def main_loan(session: Session, conv: Conversation) -> Loan | None:
    """The loan the bot talks about: the most past-due one."""
    return session.scalar(
        select(Loan)
        .where(Loan.borrower_id == conv.borrower_id)
        .order_by(Loan.past_due_amount.desc(), Loan.id)
        .limit(1)
    )


def verification_factors() -> list[str]:
    """The factors config/bot.yaml asks for, in order (the phone number never counts)."""
    factors = (bot_config.bot().get("verification") or {}).get("factors") or ["date_of_birth"]
    unknown = [f for f in factors if f not in FACTORS]
    if unknown:
        raise bot_config.ConfigError(f"bot.yaml: verification.factors: unknown {unknown}")
    return list(factors)


def _max_attempts() -> int:
    return int(
        (bot_config.bot().get("verification") or {}).get("max_attempts", MAX_VERIFY_ATTEMPTS)
    )


def _factor_matches(conv: Conversation, factor: str, text: str) -> bool | None:
    """True/False when the text is a value of this factor; None when it is not one at all."""
    borrower = conv.borrower
    if factor == "date_of_birth":
        dates = parse_dates(text)
        if not dates:
            return None
        return bool(borrower and borrower.date_of_birth and borrower.date_of_birth in dates)
    digits = re.findall(r"(?<!\d)\d{4}(?!\d)", text)
    if len(digits) != 1:
        return None
    loans = borrower.loans if borrower else []
    return any(re.sub(r"\D", "", loan.loan_number).endswith(digits[0]) for loan in loans)


def submit_factor(
    conversation_id: str, factor: str, text: str, settings: Settings | None = None
) -> VerifyResult:
    """Record one identity factor; decide once every configured factor is in.

    The borrower learns only the final outcome, never which factor was wrong, and an unknown
    number goes through the same steps and simply never verifies."""
    settings = settings or Settings.from_env()
    factors, max_attempts = verification_factors(), _max_attempts()
    with session_scope(settings.database_url) as session:
        conv = _conversation(session, conversation_id)
        if conv is None or conv.details_locked_at is not None:
            return VerifyResult(verified=False, locked=True, attempts_left=0)
        if conv.identity_verified_at is not None:
            return VerifyResult(verified=True, locked=False, attempts_left=max_attempts)
        match = _factor_matches(conv, factor, text) if factor in factors else None
        left = max(0, max_attempts - conv.verify_failures)
        if match is None:
            return VerifyResult(False, False, left, understood=False)
        progress = session.scalar(
            select(VerificationProgress).where(VerificationProgress.conversation_id == conv.id)
        )
        if progress is None:
            progress = VerificationProgress(conversation_id=conv.id, factors={})
            session.add(progress)
        given = {**progress.factors, factor: match}  # booleans only, never the value typed
        if any(f not in given for f in factors):
            progress.factors = given
            return VerifyResult(False, False, left, pending=True)
        progress.factors = {}
        ok = all(given[f] for f in factors)
        if ok:
            conv.identity_verified_at = clock.now()
        else:
            conv.verify_failures += 1
            if conv.verify_failures >= max_attempts:
                conv.details_locked_at = clock.now()
        audit.record(
            session,
            "bot",
            "identity.verified" if ok else "identity.failed",
            subject=f"conversation:{conv.id}",
            borrower_id=conv.borrower_id,
            details={"failures": conv.verify_failures, "factors": factors},
        )
        return VerifyResult(
            verified=ok,
            locked=conv.details_locked_at is not None,
            attempts_left=max(0, max_attempts - conv.verify_failures),
        )


def verify_identity(
    conversation_id: str, date_of_birth_text: str, settings: Settings | None = None
) -> VerifyResult:
    """The date-of-birth factor (kept for callers of the first contract)."""
    return submit_factor(conversation_id, "date_of_birth", date_of_birth_text, settings)


def _mask(loan_number: str) -> str:
    return "••••" + loan_number[-4:]


def balance_for(
    conversation_id: str, settings: Settings | None = None, language: str | None = None
) -> BalanceView | None:
    """The borrower's balance, formatted for their locale; None unless verified in the DB."""
    settings = settings or Settings.from_env()
    with session_scope(settings.database_url) as session:
        conv = verified_conversation(session, conversation_id)
        loan = main_loan(session, conv) if conv is not None else None
        if conv is None or loan is None:
            return None
        locale = reply_locale(conv.borrower.locale if conv.borrower else "en", language)

        def money(amount: Any) -> str:
            return format_currency(amount or 0, loan.currency, locale=locale)

        audit.record(
            session, "bot", "balance.shown", subject=f"loan:{loan.id}", borrower_id=conv.borrower_id
        )
        return BalanceView(
            loan_ref=_mask(loan.loan_number),
            outstanding=money(loan.outstanding),
            past_due=money(loan.past_due_amount),
            days_past_due=loan.days_past_due,
            next_due_date=format_date(loan.next_due_date, "long", locale=locale)
            if loan.next_due_date
            else "-",
            next_due_amount=money(loan.next_due_amount),
        )


def open_handoff(
    conversation_id: str, reason: str, summary: dict[str, Any], settings: Settings | None = None
) -> int:
    """Open a handoff case and give the conversation to the officers (the bot pauses)."""
    settings = settings or Settings.from_env()
    with session_scope(settings.database_url) as session:
        conv = _conversation(session, conversation_id)
        if conv is None:
            raise LookupError(f"conversation_id: no conversation {conversation_id!r}")
        existing = session.scalar(
            select(HandoffCase).where(
                HandoffCase.conversation_id == conv.id, HandoffCase.status != "closed"
            )
        )
        if existing is not None:
            return existing.id
        priority = 1 if reason in URGENT_REASONS else 2
        case = HandoffCase(
            conversation_id=conv.id,
            borrower_id=conv.borrower_id,
            reason=reason,
            priority=priority,
            summary=summary,
        )
        conv.owner = "officer"
        session.add(case)
        session.flush()
        audit.record(
            session,
            "bot",
            "handoff.opened",
            subject=f"case:{case.id}",
            borrower_id=conv.borrower_id,
            details={"reason": reason, "priority": priority},
        )
        return case.id


def flag_account(conversation_id: str, flag: str, settings: Settings | None = None) -> bool:
    """Flag the borrower this conversation belongs to (``dispute_open`` pauses outreach;
    ``hardship`` and ``complaint`` do not). False when there is no borrower or already flagged.

    The phone number is not proof of identity, but pausing outreach on a claimed dispute is the
    safe side (FDCPA 809(b)); the officer who takes the case confirms or clears the flag."""
    if flag not in FLAGS + NON_BLOCKING_FLAGS:
        raise ValueError(f"flag: unknown flag {flag!r}")
    settings = settings or Settings.from_env()
    with session_scope(settings.database_url) as session:
        conv = _conversation(session, conversation_id)
        if conv is None or conv.borrower_id is None:
            return False
        active = session.scalar(
            select(BorrowerFlag.id).where(
                BorrowerFlag.borrower_id == conv.borrower_id,
                BorrowerFlag.flag == flag,
                BorrowerFlag.cleared_at.is_(None),
            )
        )
        if active is not None:
            return False
        verified = conv.identity_verified_at is not None
        session.add(
            BorrowerFlag(
                borrower_id=conv.borrower_id,
                flag=flag,
                reason=f"bot conversation {conv.id} ({'verified' if verified else 'not verified'})",
            )
        )
        audit.record(
            session,
            "bot",
            "flag.set",
            subject=f"conversation:{conv.id}",
            borrower_id=conv.borrower_id,
            details={"flag": flag, "verified": verified},
        )
        return True


def lender_name(settings: Settings | None = None) -> str:
    """The lender's name, which opens every opt-out confirmation (carrier rules)."""
    return (settings or Settings.from_env()).lender_name


def opt_out(conversation_id: str, settings: Settings | None = None) -> bool:
    """Opt out the channel this conversation is on (SMS and WhatsApp together for the same
    number, like the STOP keyword). True when a confirmation is due (one at most)."""
    settings = settings or Settings.from_env()
    with session_scope(settings.database_url) as session:
        conv = _conversation(session, conversation_id)
        if conv is None:
            return False
        if conv.channel in PHONE_CHANNELS:
            where = [ContactPoint.address == conv.address, ContactPoint.channel.in_(PHONE_CHANNELS)]
        elif conv.channel == "email":
            where = [ContactPoint.address == conv.address, ContactPoint.channel == "email"]
        elif conv.borrower_id is not None:  # web chat: "stop texting me" means their phone
            where = [
                ContactPoint.borrower_id == conv.borrower_id,
                ContactPoint.channel.in_(PHONE_CHANNELS),
            ]
        else:
            return False
        points = session.scalars(select(ContactPoint).where(*where)).all()
        already = bool(points) and all(p.opted_out_at is not None for p in points)
        session.execute(
            update(ContactPoint)
            .where(*where, ContactPoint.opted_out_at.is_(None))
            .values(opted_out_at=clock.now())
        )
        audit.record(
            session,
            "borrower",
            "consent.opt_out",
            borrower_id=conv.borrower_id,
            details={"channel": conv.channel, "via": "bot", "already": already},
        )
        return bool(points) and not already


from .bot_plans import (  # noqa: E402  (re-exported for the actions; they import bot_plans' deps)
    PlanOffer,
    accept_plan,
    payment_methods,
    promise_limit,
    promise_to_pay,
    quote_plan,
)

__all__ = [
    "BOT_LANGUAGES",
    "BalanceView",
    "PlanOffer",
    "VerifyResult",
    "accept_plan",
    "balance_for",
    "borrower_today",
    "flag_account",
    "handoff_eta",
    "lender_name",
    "open_handoff",
    "opt_out",
    "parse_dates",
    "payment_methods",
    "promise_limit",
    "promise_to_pay",
    "quote_plan",
    "submit_factor",
    "verification_factors",
    "verify_identity",
]
