"""Portfolio at risk and collection efficiency per group and per branch (issue 20).

Definitions (the usual microfinance ones, on what this product holds):

* portfolio: the outstanding balance of the members' open loans (status current or delinquent);
* PAR30 / PAR90: the share of that portfolio on loans more than 30 / 90 days past due (the
  whole outstanding balance of such a loan counts, not only its late part);
* collection efficiency over the range: the payments received in it divided by what was due,
  taken as those payments plus what is still past due now (the loan book keeps no history of
  amounts due, so this is the "collected / (collected + arrears)" form).

Figures are per currency: amounts in different currencies are never added. A loan counts once
per group it is in (a borrower in two groups is rare; each group shows its own book).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outreach.audit.kpis import Range
from outreach.models import Loan, Payment
from outreach.models.groups import GroupMember, LoanGroup

OPEN = ("current", "delinquent")
ZERO = Decimal("0.00")


def _ratio(part: Decimal, whole: Decimal) -> float | None:
    return round(float(part / whole), 4) if whole else None


def _figures(rows: list[tuple[Any, Loan, Decimal]]) -> list[dict[str, Any]]:
    sums: dict[tuple[Any, str], dict[str, Decimal]] = {}
    for key, loan, paid in rows:
        s = sums.setdefault(
            (key, loan.currency),
            {"portfolio": ZERO, "par30": ZERO, "par90": ZERO, "paid": ZERO, "arrears": ZERO},
        )
        s["paid"] += paid
        if loan.status in OPEN:
            s["portfolio"] += loan.outstanding
            s["arrears"] += loan.past_due_amount
            if loan.days_past_due > 30:
                s["par30"] += loan.outstanding
            if loan.days_past_due > 90:
                s["par90"] += loan.outstanding
    return [
        {
            "name": key,
            "currency": currency,
            "portfolio": s["portfolio"],
            "par30": _ratio(s["par30"], s["portfolio"]),
            "par90": _ratio(s["par90"], s["portfolio"]),
            "collected": s["paid"],
            "collection_efficiency": _ratio(s["paid"], s["paid"] + s["arrears"]),
        }
        for (key, currency), s in sorted(sums.items(), key=lambda kv: (str(kv[0][0]), kv[0][1]))
    ]


def group_figures(session: Session, rng: Range) -> dict[str, list[dict[str, Any]]]:
    """{"groups": [...], "branches": [...]}: one row per group (or branch) and currency."""
    paid = (
        select(Payment.loan_id, func.sum(Payment.amount).label("paid"))
        .where(Payment.paid_at >= rng.start, Payment.paid_at < rng.end)
        .group_by(Payment.loan_id)
        .subquery()
    )
    rows = session.execute(
        select(LoanGroup.name, LoanGroup.branch, Loan, func.coalesce(paid.c.paid, ZERO))
        .join(GroupMember, GroupMember.group_id == LoanGroup.id)
        .join(Loan, Loan.borrower_id == GroupMember.borrower_id)
        .outerjoin(paid, paid.c.loan_id == Loan.id)
    ).all()
    return {
        "groups": _figures([(name, loan, Decimal(p)) for name, _b, loan, p in rows]),
        "branches": _figures(
            [(branch or "(no branch)", loan, Decimal(p)) for _n, branch, loan, p in rows]
        ),
    }
