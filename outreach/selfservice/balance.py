"""The balance a verified borrower asks the bot for, formatted for their locale."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency

from outreach.audit import log as audit
from outreach.db import session_scope
from outreach.selfservice.access import main_loan, verified_conversation
from outreach.selfservice.locale import reply_locale
from outreach.settings import Settings


@dataclass(frozen=True)
class BalanceView:
    """Every field is text ready for a response's placeholders (money never as a float)."""

    loan_ref: str
    outstanding: str
    past_due: str
    days_past_due: int
    next_due_date: str
    next_due_amount: str


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
