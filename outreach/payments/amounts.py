"""What a borrower may pay at once on a payment page: partial down to a configured minimum.

The amount is what the borrower typed on our page, checked here; never one from a URL.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from outreach import config_files
from outreach.models import Loan

CENT = Decimal("0.01")


def minimum(currency: str) -> Decimal:
    """The smallest amount paid at once in ``currency`` (config/payments.yaml ``min_payment``)."""
    if not (config_files.config_dir() / "payments.yaml").is_file():
        return Decimal(0)  # a config directory without the file sets no minimum
    table = config_files.load("payments.yaml").get("min_payment") or {}
    return Decimal(str(table.get(currency.upper(), table.get("default", 0))))


def smallest(loan: Loan) -> Decimal:
    """The minimum, or everything owed when that is less (paying it all is always allowed)."""
    return min(minimum(loan.currency), loan.outstanding)


def amount_due(loan: Loan) -> Decimal:
    """What a page proposes: the arrears, or everything owed when nothing is in arrears."""
    return loan.past_due_amount if loan.past_due_amount > 0 else loan.outstanding


class AmountRefused(ValueError):
    """The typed amount cannot be paid; ``code``: ``invalid``, ``too_small`` or ``too_large``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def checked_amount(loan: Loan, typed: str) -> Decimal:
    """The typed amount when it may be paid: from ``smallest`` up to what is owed, in cents."""
    try:
        amount = Decimal(typed.strip().replace(",", "."))
    except InvalidOperation:
        raise AmountRefused("invalid") from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
        raise AmountRefused("invalid")
    if amount > loan.outstanding:
        raise AmountRefused("too_large")
    if amount < smallest(loan):
        raise AmountRefused("too_small")
    return amount
