"""Whether an applied payment also moves the loan's mirrored balance (config/payments.yaml
``reduce_balance``; the file's comment says why the default is ``false``).

The product mirrors the lender's loan book; the lender's core system is the system of record.
With ``reduce_balance: true`` an applied payment lowers the mirrored ``outstanding`` and
``past_due_amount`` at once (never below zero) so the bot and the console show it before the
next import. Either way the next loan-book import overwrites both with the lender's own figures
(``outreach.loan_import`` writes what the file says, it never subtracts payments), so a payment
the lender has posted is never counted twice.
"""

from __future__ import annotations

from decimal import Decimal

from outreach import config_files
from outreach.models import Loan

ZERO = Decimal("0")


def reduces_balance() -> bool:
    """config/payments.yaml ``reduce_balance`` (false when the file or the key is absent)."""
    if not (config_files.config_dir() / "payments.yaml").is_file():
        return False
    value = config_files.load("payments.yaml").get("reduce_balance", False)
    if not isinstance(value, bool):
        raise config_files.ConfigError(
            f"payments.yaml: reduce_balance: true or false, got {value!r}"
        )
    return value


def reduce(loan: Loan, amount: Decimal) -> None:
    """Lower the loan's mirrored outstanding and arrears by ``amount``, never below zero."""
    loan.outstanding = max(loan.outstanding - amount, ZERO)
    loan.past_due_amount = max(loan.past_due_amount - amount, ZERO)
