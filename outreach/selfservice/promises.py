"""Reading a promise back to the borrower before it is stored (issue 16: their yes first)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date

from outreach.db import session_scope
from outreach.selfservice.plans import PromiseView, _context, money_text
from outreach.settings import Settings


def preview_promise(
    conversation_id: str,
    promised: str,
    amount: str | None,
    language: str | None = None,
    settings: Settings | None = None,
) -> PromiseView | None:
    """The day (in full: "Friday, December 4, 2026", "viernes, 4 de diciembre de 2026") and the
    amount the borrower would promise, formatted by Babel for their locale in the reply's
    language; ``promise_id`` 0: nothing is stored. ``amount`` "all" (or None) is the whole
    past-due amount, as ``promise_to_pay`` stores it. None unless verified."""
    settings = settings or Settings.from_env()
    with session_scope(settings.database_url) as session:
        ctx = _context(session, conversation_id, language)
        if ctx is None:
            return None
        _, loan, locale, _ = ctx
        value = loan.past_due_amount if amount in (None, "", "all") else Decimal(str(amount))
        return PromiseView(
            0,
            format_date(date.fromisoformat(promised), "full", locale=locale),
            money_text(value or 0, loan.currency, locale),
        )
