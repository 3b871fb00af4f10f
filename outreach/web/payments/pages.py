"""What the payment pages (card and sandbox) share: their language and money formatting."""

from __future__ import annotations

from typing import Any

from babel.numbers import format_currency
from flask import request

from outreach.models import Loan
from outreach.selfservice.locale import language_of


def language(loan: Loan | None) -> str:
    """The borrower's language (English or Spanish), else the browser's."""
    if loan is not None and (lang := language_of(loan.borrower.locale)):
        return lang
    return request.accept_languages.best_match(["en", "es"]) or "en"


def money(loan: Loan, amount: Any) -> str:
    """``amount`` in the loan's currency, formatted for the borrower's locale."""
    locale = (loan.borrower.locale or "en").replace("-", "_")
    return format_currency(amount, loan.currency, locale=locale)
