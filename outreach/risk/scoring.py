"""Scoring open loans with the latest risk model, and reading the scores back.

A score is computed from the stored coefficients alone (no scikit-learn at run time):
``p = 1 / (1 + exp(-(intercept + sum(coef_i * (x_i - mean_i) / scale_i))))``; each term is a
factor, and the ones that raise the risk most are kept with the score so the console can say
why a loan is high risk.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from outreach.audit.kpi_config import KpiConfig
from outreach.models import Loan, RiskModel, RiskScore
from outreach.risk.features import FEATURES, LABELS, history_features, open_loans

TOP_FACTORS = 3


def latest_model(session: Session) -> RiskModel | None:
    return session.scalar(select(RiskModel).order_by(RiskModel.id.desc()).limit(1))


def explain(model: RiskModel, values: list[float]) -> tuple[float, list[dict[str, Any]]]:
    """(probability, factors) for one loan's feature ``values``; factors sorted by how much
    they raise the score, each with its label, value and term."""
    terms = [
        c * (v - m) / s
        for c, v, m, s in zip(model.coefficients, values, model.means, model.scales, strict=True)
    ]
    z = model.intercept + sum(terms)
    p = 1 / (1 + math.exp(-z)) if z > -500 else 0.0
    factors = sorted(
        (
            {
                "feature": name,
                "label": LABELS.get(name, name),
                "value": round(math.expm1(v), 2) if name == "balance" else round(v, 4),
                "weight": round(t, 4),
            }
            for name, v, t in zip(model.features, values, terms, strict=True)
        ),
        key=lambda f: -f["weight"],
    )
    return p, factors[:TOP_FACTORS]


def score_all(session: Session, now: datetime, config: KpiConfig) -> int:
    """Score every open loan under the latest model (replacing that model's earlier scores)."""
    model = latest_model(session)
    if model is None:
        return 0
    if list(model.features) != list(FEATURES):
        raise ValueError(f"risk model {model.version}: trained on other features; retrain it")
    feats = history_features(session, now, open_loans(session))
    session.execute(delete(RiskScore).where(RiskScore.model_id == model.id))
    for loan_id, values in feats.items():
        p, factors = explain(model, values)
        session.add(
            RiskScore(
                model_id=model.id,
                loan_id=loan_id,
                score=round(p, 4),
                band=config.band(p),
                factors=factors,
                scored_at=now,
            )
        )
    session.flush()
    return len(feats)


def current_scores() -> Any:
    """A subquery of the latest model's scores: (loan_id, score, band, factors)."""
    latest = select(func.max(RiskModel.id)).scalar_subquery()
    return (
        select(RiskScore.loan_id, RiskScore.score, RiskScore.band, RiskScore.factors)
        .where(RiskScore.model_id == latest)
        .subquery()
    )


def loan_band() -> Any:
    """The loan's band under the latest model, as a scalar subquery on ``Loan`` (NULL unscored):
    what a campaign segment's ``risk_bands`` condition reads."""
    latest = select(func.max(RiskModel.id)).scalar_subquery()
    return (
        select(RiskScore.band)
        .where(RiskScore.loan_id == Loan.id, RiskScore.model_id == latest)
        .scalar_subquery()
    )


def scores_for_loans(session: Session, loan_ids: list[int]) -> dict[int, dict[str, Any]]:
    scores = current_scores()
    rows = session.execute(
        select(scores.c.loan_id, scores.c.score, scores.c.band, scores.c.factors).where(
            scores.c.loan_id.in_(loan_ids)
        )
    )
    return {lid: {"score": s, "band": b, "factors": f} for lid, s, b, f in rows}


def borrower_risk() -> Any:
    """(borrower_id, risk) with the highest current score among each borrower's loans."""
    scores = current_scores()
    return (
        select(Loan.borrower_id, func.max(scores.c.score).label("risk"))
        .join(scores, scores.c.loan_id == Loan.id)
        .group_by(Loan.borrower_id)
        .subquery()
    )
