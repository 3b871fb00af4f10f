"""The services Rasa custom actions call (the action server runs in the app's venv).

Contract: actions know only the opaque conversation id (``tracker.sender_id``). Every function
re-checks authorisation against the database itself: a slot in Rasa is never trusted for access
to account details. Plans, promises and payment methods live in ``bot_plans`` and are re-exported
here, so actions import this one module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency
from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach import clock
from outreach.audit import log as audit
from outreach.db import session_scope
from outreach.models import (
    Conversation,
    HandoffCase,
    Loan,
)
from outreach.selfservice import identity
from outreach.selfservice.account import AccountEffect, flag_account, opt_out
from outreach.selfservice.hours import handoff_eta
from outreach.selfservice.identity import VerifyResult
from outreach.selfservice.locale import BOT_LANGUAGES, reply_locale
from outreach.selfservice.verification_config import verification_config
from outreach.settings import Settings

# Reasons an officer should see first (open_handoff gives them priority 1).
URGENT_REASONS = ("dispute", "hardship", "complaint", "verification_failed", "opt_out_request")


@dataclass(frozen=True)
class BalanceView:
    loan_ref: str
    outstanding: str
    past_due: str
    days_past_due: int
    next_due_date: str
    next_due_amount: str


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
    """The conversation, only if the database says its borrower passed a fresh verification
    (in this conversation, borrower active within ``verification.idle_minutes``)."""
    return identity.verified_conversation(session, conversation_id, clock.now())


def main_loan(session: Session, conv: Conversation) -> Loan | None:
    """The loan the bot talks about: the most past-due one."""
    return session.scalar(
        select(Loan)
        .where(Loan.borrower_id == conv.borrower_id)
        .order_by(Loan.past_due_amount.desc(), Loan.id)
        .limit(1)
    )


def verification_factors(
    conversation_id: str | None = None, settings: Settings | None = None
) -> list[str]:
    """The factors this conversation is asked for, in order (config/bot.yaml ``verification``;
    a web visitor who typed the loan number is asked ``typed_loan_factors``)."""
    if conversation_id is None:
        return list(verification_config().factors)
    settings = settings or Settings.from_env()
    with session_scope(settings.database_url) as session:
        conv = _conversation(session, conversation_id)
        return identity.factors_for(conv) if conv is not None else verification_factors()


def submit_factor(
    conversation_id: str, factor: str, text: str, settings: Settings | None = None
) -> VerifyResult:
    """Check one identity factor answer (the raw text) for this conversation.

    Flask does this itself before Rasa sees the answer (``identity_turns``); the bot reads the
    outcome with :func:`factor_outcome`. The value is always compared: being verified before
    never makes an answer right."""
    settings = settings or Settings.from_env()
    with session_scope(settings.database_url) as session:
        conv = _conversation(session, conversation_id)
        if conv is None:
            return VerifyResult(verified=False, locked=True, attempts_left=0)
        return identity.check_answer(session, conv, factor, text, clock.now())


def factor_outcome(
    conversation_id: str, factor: str, settings: Settings | None = None
) -> VerifyResult | None:
    """What the app decided about the borrower's latest answer to ``factor`` (read once); None
    when it checked none (the form then asks again). The slot text Rasa holds is a placeholder
    and is never checked."""
    settings = settings or Settings.from_env()
    with session_scope(settings.database_url) as session:
        conv = _conversation(session, conversation_id)
        return identity.take_outcome(session, conv, factor) if conv is not None else None


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


def lender_name(settings: Settings | None = None) -> str:
    """The lender's name, which opens every opt-out confirmation (carrier rules)."""
    return (settings or Settings.from_env()).lender_name


from outreach.selfservice.plans import (  # noqa: E402  (re-exported for the actions; they import bot_plans' deps)
    PlanOffer,
    accept_plan,
    payment_methods,
    promise_limit,
    promise_to_pay,
    quote_plan,
)

__all__ = [
    "BOT_LANGUAGES",
    "AccountEffect",
    "BalanceView",
    "PlanOffer",
    "VerifyResult",
    "accept_plan",
    "balance_for",
    "borrower_today",
    "factor_outcome",
    "flag_account",
    "handoff_eta",
    "lender_name",
    "open_handoff",
    "opt_out",
    "payment_methods",
    "promise_limit",
    "promise_to_pay",
    "quote_plan",
    "submit_factor",
    "verification_factors",
]
