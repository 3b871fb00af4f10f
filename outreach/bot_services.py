"""The services Rasa custom actions call (the action server runs in the app's venv).

Contract: actions know only the opaque conversation id (``tracker.sender_id``). Every function
re-checks authorisation against the database itself: a slot in Rasa is never trusted for access
to account details.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit
from .db import session_scope
from .models import Conversation, HandoffCase, Loan, utcnow
from .settings import Settings

MAX_VERIFY_ATTEMPTS = 3


@dataclass(frozen=True)
class VerifyResult:
    verified: bool
    locked: bool
    attempts_left: int


@dataclass(frozen=True)
class BalanceView:
    loan_ref: str
    outstanding: str
    past_due: str
    days_past_due: int
    next_due_date: str
    next_due_amount: str


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d-%m-%Y", "%m-%d-%Y", "%d.%m.%Y",
                 "%B %d %Y", "%b %d %Y", "%d %B %Y", "%d %b %Y", "%m/%d/%y", "%d/%m/%y")


def parse_dates(text: str) -> set[date]:
    """Every date the text could mean (day/month order is ambiguous, so both are kept)."""
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.strip().lower())
    cleaned = re.sub(r"[,]", " ", cleaned)
    candidates = set(re.findall(r"\d{1,4}[/.\-]\d{1,2}[/.\-]\d{2,4}", cleaned))
    candidates |= set(re.findall(r"[a-z]+\s+\d{1,2}\s+\d{4}|\d{1,2}\s+[a-z]+\s+\d{4}", cleaned))
    found: set[date] = set()
    today = date.today()
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


def verify_identity(conversation_id: str, date_of_birth_text: str,
                    settings: Settings | None = None) -> VerifyResult:
    """Check the date of birth against the borrower tied to this conversation; count failures."""
    settings = settings or Settings.from_env()
    with session_scope(settings.database_url) as session:
        conv = _conversation(session, conversation_id)
        if conv is None:
            return VerifyResult(verified=False, locked=True, attempts_left=0)
        if conv.details_locked_at is not None:
            return VerifyResult(verified=False, locked=True, attempts_left=0)
        if conv.identity_verified_at is not None:
            return VerifyResult(verified=True, locked=False, attempts_left=MAX_VERIFY_ATTEMPTS)
        borrower = conv.borrower
        ok = bool(borrower and borrower.date_of_birth
                  and borrower.date_of_birth in parse_dates(date_of_birth_text))
        if ok:
            conv.identity_verified_at = utcnow()
        else:
            conv.verify_failures += 1
            if conv.verify_failures >= MAX_VERIFY_ATTEMPTS:
                conv.details_locked_at = utcnow()
        # The audit keeps the outcome, never the date the borrower typed (PII).
        audit.record(session, "bot", "identity.verified" if ok else "identity.failed",
                     subject=f"conversation:{conv.id}", borrower_id=conv.borrower_id,
                     details={"failures": conv.verify_failures})
        return VerifyResult(verified=ok, locked=conv.details_locked_at is not None,
                            attempts_left=max(0, MAX_VERIFY_ATTEMPTS - conv.verify_failures))


BOT_LANGUAGES = ("en",)  # the languages the bot's responses are written in


def _reply_locale(locale: str) -> str:
    """Format for the borrower's region, in a language the bot's sentences are written in:
    es_US gets en_US formats rather than a Spanish date inside an English sentence."""
    locale = locale.replace("-", "_")
    language, _, territory = locale.partition("_")
    if language in BOT_LANGUAGES:
        return locale
    return f"en_{territory}" if territory else "en"


def _mask(loan_number: str) -> str:
    return "••••" + loan_number[-4:]


def balance_for(conversation_id: str, settings: Settings | None = None) -> BalanceView | None:
    """The borrower's balance, formatted for their locale; None unless verified in the DB."""
    settings = settings or Settings.from_env()
    with session_scope(settings.database_url) as session:
        conv = _conversation(session, conversation_id)
        if conv is None or conv.identity_verified_at is None or conv.details_locked_at:
            return None
        loan = session.scalar(select(Loan).where(Loan.borrower_id == conv.borrower_id)
                              .order_by(Loan.past_due_amount.desc(), Loan.id).limit(1))
        if loan is None:
            return None
        locale = _reply_locale(conv.borrower.locale if conv.borrower else "en")

        def money(amount: Any) -> str:
            return format_currency(amount or 0, loan.currency, locale=locale)

        audit.record(session, "bot", "balance.shown", subject=f"loan:{loan.id}",
                     borrower_id=conv.borrower_id)
        return BalanceView(
            loan_ref=_mask(loan.loan_number),
            outstanding=money(loan.outstanding),
            past_due=money(loan.past_due_amount),
            days_past_due=loan.days_past_due,
            next_due_date=format_date(loan.next_due_date, "long", locale=locale)
            if loan.next_due_date else "-",
            next_due_amount=money(loan.next_due_amount),
        )


def open_handoff(conversation_id: str, reason: str, summary: dict[str, Any],
                 settings: Settings | None = None) -> int:
    """Open a handoff case and give the conversation to the officers (the bot pauses)."""
    settings = settings or Settings.from_env()
    with session_scope(settings.database_url) as session:
        conv = _conversation(session, conversation_id)
        if conv is None:
            raise LookupError(f"conversation_id: no conversation {conversation_id!r}")
        existing = session.scalar(select(HandoffCase).where(
            HandoffCase.conversation_id == conv.id, HandoffCase.status != "closed"))
        if existing is not None:
            return existing.id
        priority = 1 if reason in ("dispute", "hardship", "verification_failed") else 2
        case = HandoffCase(conversation_id=conv.id, borrower_id=conv.borrower_id, reason=reason,
                           priority=priority, summary=summary)
        conv.owner = "officer"
        session.add(case)
        session.flush()
        audit.record(session, "bot", "handoff.opened", subject=f"case:{case.id}",
                     borrower_id=conv.borrower_id, details={"reason": reason})
        return case.id
