"""Officer KPIs for a date range, per officer and for the team (everyone with a figure).

Definitions (the page shows them next to the figures):
- cases handled: handoff cases the officer claimed in the range.
- first response: from a case's claim to the officer's first message to the borrower in that
  conversation after it (cases claimed in the range); average seconds.
- resolution: from a case's opening to its closing, for the officer's cases closed in the range;
  average seconds.
- promises obtained: promises created by the officer (``created_by = officer:<id>``) in the range;
  kept rate: of the officer's promises resolved in the range, the kept share.
- arrangements agreed / kept / broken: per kind in ``ARRANGEMENTS`` (plans; settlements once
  that table exists: one more entry), created by the officer, agreed / completed / broken in
  the range.
- recovered after contact: payments in the range by borrowers the officer sent a message to
  before the payment, within the range or the 30 days before it (the team's figure counts each
  payment once, however many officers had written to the payer).
- complaints: complaint flags set in the range on borrowers whose case the officer had claimed
  before the flag.
- overrides: the officer's out-of-policy plan requests a supervisor rejected in the range, plus
  the officer's cases a supervisor reassigned to someone else in the range.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, and_, case, cast, exists, func, select
from sqlalchemy.orm import Session, aliased

from outreach.audit.kpis import CONTACT_LOOKBACK, Range, _in, _ratio, _seconds
from outreach.models import (
    BorrowerFlag,
    CaseAssignment,
    HandoffCase,
    Loan,
    Message,
    Officer,
    Payment,
    PaymentPlan,
    PlanApproval,
    PromiseToPay,
)

CENT = Decimal("0.01")
COUNTS = (
    "cases",
    "promises",
    "promises_kept",
    "promises_broken",
    "complaints",
    "overrides",
)


@dataclass(frozen=True)
class Arrangement:
    """Where one kind of arrangement keeps who agreed it and when it was agreed, kept, broken."""

    name: str
    model: Any
    agreed_at: Any
    kept_at: Any
    broken_at: Any


# Settlements (built elsewhere) join by adding
# Arrangement("settlements", Settlement, Settlement.accepted_at, Settlement.paid_at, ...).
ARRANGEMENTS: list[Arrangement] = [
    Arrangement(
        "plans",
        PaymentPlan,
        PaymentPlan.accepted_at,
        PaymentPlan.completed_at,
        PaymentPlan.broken_at,
    ),
]


def _officer_of(created_by: Any) -> Any:
    """The officer id in a ``created_by`` of ``officer:<id>`` (NULL for ``bot``)."""
    return case(
        (created_by.like("officer:%"), cast(func.substr(created_by, 9), Integer)),
        else_=None,
    )


def _cases(session: Session, rng: Range) -> dict[int, dict[str, Any]]:
    reply = (
        select(func.min(Message.created_at))
        .where(
            Message.conversation_id == HandoffCase.conversation_id,
            Message.direction == "out",
            Message.officer_id == HandoffCase.claimed_by_id,
            Message.created_at >= HandoffCase.claimed_at,
        )
        .scalar_subquery()
    )
    first = _seconds(session, reply, HandoffCase.claimed_at)
    out: dict[int, dict[str, Any]] = defaultdict(dict)
    for officer, n, responded, avg in session.execute(
        select(HandoffCase.claimed_by_id, func.count(), func.count(reply), func.avg(first))
        .where(HandoffCase.claimed_by_id.is_not(None), _in(HandoffCase.claimed_at, rng))
        .group_by(HandoffCase.claimed_by_id)
    ):
        out[officer].update(
            cases=n, responded=responded, first_response_sum=float(avg or 0) * responded
        )
    took = _seconds(session, HandoffCase.closed_at, HandoffCase.opened_at)
    for officer, n, avg in session.execute(
        select(HandoffCase.claimed_by_id, func.count(), func.avg(took))
        .where(HandoffCase.claimed_by_id.is_not(None), _in(HandoffCase.closed_at, rng))
        .group_by(HandoffCase.claimed_by_id)
    ):
        out[officer].update(resolved=n, resolution_sum=float(avg or 0) * n)
    return out


def _promises(session: Session, rng: Range) -> dict[int, dict[str, int]]:
    who = _officer_of(PromiseToPay.created_by)
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for officer, made, kept, broken in session.execute(
        select(
            who,
            func.count().filter(_in(PromiseToPay.created_at, rng)),
            func.count().filter(PromiseToPay.status == "kept", _in(PromiseToPay.resolved_at, rng)),
            func.count().filter(
                PromiseToPay.status == "broken", _in(PromiseToPay.resolved_at, rng)
            ),
        )
        .where(who.is_not(None))
        .group_by(who)
    ):
        out[officer].update(promises=made, promises_kept=kept, promises_broken=broken)
    return out


def _arrangements(session: Session, rng: Range) -> dict[int, dict[str, dict[str, int]]]:
    out: dict[int, dict[str, dict[str, int]]] = defaultdict(dict)
    for kind in ARRANGEMENTS:
        who = _officer_of(kind.model.created_by)
        for officer, agreed, kept, broken in session.execute(
            select(
                who,
                func.count().filter(_in(kind.agreed_at, rng)),
                func.count().filter(_in(kind.kept_at, rng)),
                func.count().filter(_in(kind.broken_at, rng)),
            )
            .where(who.is_not(None))
            .group_by(who)
        ):
            out[officer][kind.name] = {"agreed": agreed, "kept": kept, "broken": broken}
    return out


def _contacted_before(officer: Any | None, rng: Range) -> Any:
    """An officer's (``officer``; any officer's when None) message to the payer before the
    payment, within the range or the lookback before it."""
    conds = [
        Message.borrower_id == Loan.borrower_id,
        Message.direction == "out",
        Message.officer_id.is_not(None) if officer is None else Message.officer_id == officer,
        Message.status != "blocked",
        Message.created_at >= rng.start - CONTACT_LOOKBACK,
        Message.created_at <= Payment.paid_at,
    ]
    return exists().where(*conds)


def _recovered(session: Session, rng: Range) -> dict[int, Decimal]:
    rows = session.execute(
        select(Officer.id, func.sum(Payment.amount))
        .select_from(Payment)
        .join(Loan, Loan.id == Payment.loan_id)
        .join(Officer, _contacted_before(Officer.id, rng))
        .where(_in(Payment.paid_at, rng))
        .group_by(Officer.id)
    )
    return {officer: Decimal(total).quantize(CENT) for officer, total in rows}


def _recovered_by_team(session: Session, rng: Range) -> Decimal:
    """Each payment once, however many officers had contacted the payer."""
    total = session.scalar(
        select(func.coalesce(func.sum(Payment.amount), 0))
        .join(Loan, Loan.id == Payment.loan_id)
        .where(_in(Payment.paid_at, rng), _contacted_before(None, rng))
    )
    return Decimal(total).quantize(CENT)


def _complaints(session: Session, rng: Range) -> dict[int, int]:
    claimed = HandoffCase.__table__.alias("claimed")
    rows = session.execute(
        select(claimed.c.claimed_by_id, func.count(func.distinct(BorrowerFlag.id)))
        .join(claimed, claimed.c.borrower_id == BorrowerFlag.borrower_id)
        .where(
            BorrowerFlag.flag == "complaint",
            _in(BorrowerFlag.set_at, rng),
            claimed.c.claimed_by_id.is_not(None),
            claimed.c.claimed_at <= BorrowerFlag.set_at,
        )
        .group_by(claimed.c.claimed_by_id)
    )
    return dict(rows.all())


def _overrides(session: Session, rng: Range) -> dict[int, int]:
    out: dict[int, int] = defaultdict(int)
    for officer, n in session.execute(
        select(PlanApproval.requested_by_id, func.count())
        .where(PlanApproval.status == "rejected", _in(PlanApproval.decided_at, rng))
        .group_by(PlanApproval.requested_by_id)
    ):
        out[officer] += n
    held, away, between = (aliased(CaseAssignment) for _ in range(3))
    rows = session.execute(
        select(held.officer_id, func.count(func.distinct(away.id)))
        .select_from(away)
        .join(held, and_(held.case_id == away.case_id, held.id < away.id))
        .where(
            away.kind == "reassign",
            _in(away.at, rng),
            away.officer_id != held.officer_id,
            # the officer held the case right before this reassignment
            ~exists().where(
                between.case_id == away.case_id, between.id > held.id, between.id < away.id
            ),
        )
        .group_by(held.officer_id)
    )
    for officer, n in rows:
        out[officer] += n
    return out


def _figures(raw: dict[str, Any]) -> dict[str, Any]:
    responded, resolved = raw.get("responded", 0), raw.get("resolved", 0)
    kept, broken = raw.get("promises_kept", 0), raw.get("promises_broken", 0)
    out = {k: raw.get(k, 0) for k in COUNTS}
    out.update(
        resolved=resolved,
        first_response_seconds=round(raw["first_response_sum"] / responded) if responded else None,
        resolution_seconds=round(raw["resolution_sum"] / resolved) if resolved else None,
        promise_kept_rate=_ratio(kept, kept + broken),
        arrangements={
            a.name: raw.get("arrangements", {}).get(a.name, {"agreed": 0, "kept": 0, "broken": 0})
            for a in ARRANGEMENTS
        },
        recovered=raw.get("recovered", Decimal("0.00")),
    )
    return out


def officer_kpis(session: Session, rng: Range, officer_id: int | None = None) -> dict[str, Any]:
    """``{"officers": [{"id", "name", ...figures}], "team": figures}``; with ``officer_id``
    only that officer (an officer sees their own figures, never the team's)."""
    raw: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"first_response_sum": 0.0, "resolution_sum": 0.0}
    )
    for officer, values in _cases(session, rng).items():
        raw[officer].update(values)
    for officer, values in _promises(session, rng).items():
        raw[officer].update(values)
    for officer, values in _arrangements(session, rng).items():
        raw[officer]["arrangements"] = values
    for officer, amount in _recovered(session, rng).items():
        raw[officer]["recovered"] = amount
    for officer, n in _complaints(session, rng).items():
        raw[officer]["complaints"] = n
    for officer, n in _overrides(session, rng).items():
        raw[officer]["overrides"] = n
    staff = session.execute(
        select(Officer.id, Officer.name).where(
            (Officer.role.in_(("officer", "supervisor")) & Officer.active) | Officer.id.in_(raw)
        )
    ).all()
    if officer_id is not None:
        staff = [s for s in staff if s.id == officer_id] or session.execute(
            select(Officer.id, Officer.name).where(Officer.id == officer_id)
        ).all()
    people = sorted(staff, key=lambda s: (s.name, s.id))
    officers = [{"id": i, "name": n, **_figures(raw.get(i, {}))} for i, n in people]
    team: dict[str, Any] = {"first_response_sum": 0.0, "resolution_sum": 0.0}
    for i, _ in people:
        r = raw.get(i, {})
        for key in (*COUNTS, "responded", "resolved", "first_response_sum", "resolution_sum"):
            team[key] = team.get(key, 0) + r.get(key, 0)
        for name, figs in r.get("arrangements", {}).items():
            acc = team.setdefault("arrangements", {}).setdefault(
                name, {"agreed": 0, "kept": 0, "broken": 0}
            )
            for k, v in figs.items():
                acc[k] += v
    if officer_id is not None:
        return {"range": _iso(rng), "officers": officers, "team": None}
    team["recovered"] = _recovered_by_team(session, rng)
    return {"range": _iso(rng), "officers": officers, "team": _figures(team)}


def _iso(rng: Range) -> dict[str, str]:
    return {"start": rng.start.isoformat(), "end": rng.end.isoformat()}
