"""Training the risk model on the lender's own history (``flask --app wsgi risk train``).

A sample is a loan on a past snapshot day T (``loan_snapshots``); its label is 1 when the loan's
days past due 30 days later are higher than on T (the arrears grew: no payment caught up), 0
otherwise. Sample days are taken every 30 days back from the latest day that has a snapshot 30
days after it. The latest sample day is held out: the model is fitted on the earlier ones and
its AUC measured on that month, next to the AUC of ordering by days past due alone, so a
supervisor can see whether the score beats the obvious ordering before relying on it.

The regression is scikit-learn's (lbfgs, deterministic); features are standardised first so the
coefficients are comparable, and the model is stored whole (``risk_models``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from outreach.models import Loan, LoanSnapshot, RiskModel
from outreach.risk.features import FEATURES, history_features

HORIZON = timedelta(days=30)
MIN_ROWS = 20


class TrainingError(ValueError):
    """Not enough history to train on; the message says what is missing."""


@dataclass
class Dataset:
    x: np.ndarray
    y: np.ndarray
    day: np.ndarray  # the sample day's ordinal, to split off the held-out month


def sample_days(session: Session, limit: int = 12) -> list[date]:
    """Up to ``limit`` snapshot days, 30 days apart, each with a snapshot 30 days later."""
    days = set(session.scalars(select(LoanSnapshot.day).distinct()))
    usable = sorted(d for d in days if d + HORIZON in days)
    if not usable:
        return []
    picked, d = [], usable[-1]
    while len(picked) < limit and d >= usable[0]:
        if d in days and d + HORIZON in days:
            picked.append(d)
        d -= HORIZON
    return sorted(picked)


def dataset(session: Session, days: list[date]) -> Dataset:
    xs, ys, ds = [], [], []
    for day in days:
        now, later = aliased(LoanSnapshot), aliased(LoanSnapshot)
        rows = session.execute(
            select(
                now.loan_id,
                Loan.borrower_id,
                now.days_past_due,
                now.outstanding,
                later.days_past_due,
            )
            .join(Loan, Loan.id == now.loan_id)
            .join(later, (later.loan_id == now.loan_id) & (later.day == day + HORIZON))
            .where(now.day == day, now.status.in_(("current", "delinquent")), now.outstanding > 0)
            .order_by(now.loan_id)
        ).all()
        asof = datetime.combine(day + timedelta(days=1), time(), UTC)  # the end of day T
        feats = history_features(session, asof, [(r[0], r[1], r[2], r[3]) for r in rows])
        for loan_id, _, dpd, _, dpd_later in rows:
            xs.append(feats[loan_id])
            ys.append(1 if dpd_later > dpd else 0)
            ds.append(day.toordinal())
    return Dataset(np.array(xs, dtype=float).reshape(-1, len(FEATURES)), np.array(ys), np.array(ds))


def fit(data: Dataset, seed: int = 0) -> tuple[list[float], list[float], LogisticRegression]:
    means = data.x.mean(axis=0)
    scales = data.x.std(axis=0)
    scales[scales == 0] = 1.0  # a constant feature carries no information; keep it harmless
    model = LogisticRegression(random_state=seed, max_iter=1000)
    model.fit((data.x - means) / scales, data.y)
    return means.tolist(), scales.tolist(), model


def _auc(y: np.ndarray, scores: np.ndarray) -> float | None:
    return round(float(roc_auc_score(y, scores)), 4) if len(set(y.tolist())) == 2 else None


def train(session: Session, now: datetime, seed: int = 0) -> RiskModel:
    """Fit, evaluate on the held-out month, store and return the model."""
    days = sample_days(session)
    if len(days) < 2:
        raise TrainingError(
            "history: need loan snapshots spanning at least 60 days (two sample days 30 days "
            f"apart, each with a snapshot 30 days later); found {len(days)} sample day(s)"
        )
    data = dataset(session, days)
    held = data.day == days[-1].toordinal()
    train_x = Dataset(data.x[~held], data.y[~held], data.day[~held])
    if len(train_x.y) < MIN_ROWS or len(set(train_x.y.tolist())) < 2:
        raise TrainingError(
            f"history: need at least {MIN_ROWS} training loans with both outcomes (arrears "
            f"grew and did not); found {len(train_x.y)} with {sorted(set(train_x.y.tolist()))}"
        )
    means, scales, model = fit(train_x, seed)
    test_x = (data.x[held] - np.array(means)) / np.array(scales)
    auc = _auc(data.y[held], model.predict_proba(test_x)[:, 1])
    baseline = _auc(data.y[held], data.x[held][:, FEATURES.index("days_past_due")])
    number = (session.scalar(select(func.max(RiskModel.id))) or 0) + 1
    row = RiskModel(
        version=f"lr{number}-{now.astimezone(UTC):%Y%m%dT%H%M%S}",
        trained_at=now,
        features=list(FEATURES),
        means=[round(m, 6) for m in means],
        scales=[round(s, 6) for s in scales],
        coefficients=[round(float(c), 6) for c in model.coef_[0]],
        intercept=round(float(model.intercept_[0]), 6),
        details={
            "train_rows": len(train_x.y),
            "train_positives": int(train_x.y.sum()),
            "held_out_day": days[-1].isoformat(),
            "held_out_rows": int(held.sum()),
            "auc": auc,
            "auc_days_past_due": baseline,
            "sample_days": [d.isoformat() for d in days],
            "library": f"scikit-learn {sklearn.__version__}",
            "label": "days past due higher 30 days later",
            "seed": seed,
        },
    )
    session.add(row)
    session.flush()
    return row
