"""The risk score: trained on a small generated book (fixed seed), stored whole, explained by
its factors, shown on the case page, ordering the officer queue and choosing a cadence."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from outreach.audit.kpi_config import parse
from outreach.campaigns.config import CampaignConfigError, load_config
from outreach.campaigns.config import parse as parse_campaigns
from outreach.campaigns.planner import plan
from outreach.campaigns.steps import pick_segment
from outreach.models import Conversation, HandoffCase, Loan, OutboxItem, RiskModel, RiskScore
from outreach.risk.features import FEATURES
from outreach.risk.scoring import explain, score_all
from outreach.risk.train import TrainingError, train
from tests.support.factories import make_borrower
from tests.support.officers import login, make_officer
from tests.support.risk_book import generate_book

NOW = datetime(2026, 7, 1, 6, tzinfo=UTC)
CONFIG = parse({})


def test_it_trains_the_same_model_from_the_same_history(session):
    generate_book(session, loans=150, periods=4, start=date(2026, 2, 1), seed=3)
    first = train(session, NOW, seed=0)
    second = train(session, NOW, seed=0)
    assert first.features == list(FEATURES)
    assert first.coefficients == second.coefficients and first.intercept == second.intercept
    assert (first.version, second.version) == ("lr1-20260701T060000", "lr2-20260701T060000")
    d = first.details
    # Sample days 30 days apart with a snapshot 30 days later: 1 Feb .. 2 May; the last held out.
    assert d["sample_days"] == ["2026-02-01", "2026-03-03", "2026-04-02", "2026-05-02"]
    assert d["held_out_day"] == "2026-05-02" and d["held_out_rows"] == 150
    assert d["train_rows"] == 450 and d["library"].startswith("scikit-learn 1.")
    # The book's borrowers who reply and are reached pay more: those weights are negative;
    # days past due pushes the risk up. The score beats days past due alone on the held-out month.
    coef = dict(zip(first.features, first.coefficients, strict=True))
    assert coef["replies"] < 0 and coef["engagement"] < 0
    assert d["auc"] > d["auc_days_past_due"]
    session.commit()
    assert session.scalar(select(RiskModel.id).where(RiskModel.id == first.id)) == first.id


def test_it_refuses_to_train_without_enough_history(session):
    generate_book(session, loans=10, periods=1, start=date(2026, 2, 1), seed=3)
    with pytest.raises(TrainingError, match="history: need loan snapshots spanning"):
        train(session, NOW)


def _model(**overrides) -> RiskModel:
    values = {
        "version": "hand",
        "trained_at": NOW,
        "features": list(FEATURES),
        "means": [0.0] * 5,
        "scales": [1.0] * 5,
        "coefficients": [0.1, 0.5, -0.2, 0.0, -1.0],
        "intercept": -1.0,
        "details": {},
    }
    values.update(overrides)
    return RiskModel(**values)


def test_it_explains_a_score_term_by_term():
    # z = -1 + 0.1 * 10 + 0.5 * 2 - 0.2 * 0 + 0 - 1.0 * 1.0 = 0  ->  p = 0.5
    p, factors = explain(_model(), [10.0, 2.0, 0.0, 0.0, 1.0])
    assert p == 0.5
    assert [(f["feature"], f["weight"]) for f in factors] == [
        ("days_past_due", 1.0),
        ("broken_promises", 1.0),
        ("replies", 0.0),
    ]
    assert factors[1]["label"] == "broken promises (180 days)"


def _case(session, borrower, opened):
    conv = Conversation(channel="sms", address=f"+1{borrower.id:010d}", borrower_id=borrower.id)
    session.add(conv)
    session.flush()
    case = HandoffCase(
        conversation_id=conv.id, borrower_id=borrower.id, reason="human", opened_at=opened
    )
    session.add(case)
    session.commit()
    return case


def test_it_orders_the_queue_by_risk_and_shows_the_factors(client, session):
    calm = make_borrower(
        session,
        phone="+13125550171",
        external_id="calm",
        full_name="Calm Cora",
        loan={"days_past_due": 2},
    )
    risky = make_borrower(
        session,
        phone="+13125550172",
        external_id="risky",
        full_name="Risky Rex",
        loan={"days_past_due": 80},
    )
    # Paid off before the scoring run: no score (scored borrowers come first).
    unscored = make_borrower(
        session,
        phone="+13125550173",
        external_id="new",
        full_name="New Nia",
        loan={"status": "paid"},
    )
    old = _case(session, calm, datetime(2026, 6, 30, 8, tzinfo=UTC))  # oldest, lowest risk
    hot = _case(session, risky, datetime(2026, 6, 30, 9, tzinfo=UTC))
    _case(session, unscored, datetime(2026, 6, 30, 7, tzinfo=UTC))
    session.add(_model())
    session.commit()
    score_all(session, NOW, CONFIG)
    session.commit()
    scores = {s.loan_id: s for s in session.scalars(select(RiskScore))}
    risky_loan = session.query(Loan).filter_by(borrower_id=risky.id).one()
    # 80 days: z = -1 + 8 = 7 -> 0.9991, band high; 2 days: z = -0.8 -> 0.31, medium.
    assert scores[risky_loan.id].band == "high" and scores[risky_loan.id].score == 0.9991
    login(client, make_officer(session, "officer"))
    html = client.get("/console/").get_data(as_text=True)
    assert html.index("Risky Rex") < html.index("Calm Cora") < html.index("New Nia")
    assert html.index(f"#{hot.id}<") < html.index(f"#{old.id}<")
    page = client.get(f"/console/cases/{hot.id}").get_data(as_text=True)
    assert 'id="risk-scores"' in page and "risk-high" in page and "days past due: 80.0" in page


def test_it_gives_high_risk_loans_the_intensive_cadence():
    config = load_config()
    assert pick_segment(config, "personal", 10, Decimal("500"), "high").cadence == "intensive"
    assert pick_segment(config, "personal", 10, Decimal("500"), "low").name == "default"
    assert pick_segment(config, "personal", 10, Decimal("500"), None).name == "default"
    assert pick_segment(config, "personal", 10, Decimal("50"), "high").name == "small_balance"
    with pytest.raises(CampaignConfigError, match=r"segments\[0\]\.risk_bands"):
        parse_campaigns(
            {
                "cadences": {"c": [{"day": 0, "template": "t", "channels": ["sms"]}]},
                "segments": [{"name": "x", "cadence": "c", "risk_bands": ["extreme"]}],
            }
        )


def test_it_plans_the_intensive_cadence_for_a_high_risk_loan(session):
    now = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
    # Due in 5 days: the standard cadence has no step that early, the intensive one does.
    make_borrower(
        session,
        loan={
            "days_past_due": 0,
            "past_due_amount": Decimal("0"),
            "status": "current",
            "next_due_date": now.date() + timedelta(days=5),
        },
    )
    assert plan(session, now, dry_run=True).queued == 0
    model = _model()
    session.add(model)
    session.flush()
    loan = session.scalar(select(Loan))
    session.add(RiskScore(model_id=model.id, loan_id=loan.id, score=0.8, band="high", factors=[]))
    session.commit()
    assert plan(session, now).queued == 1
    assert session.scalar(select(OutboxItem.step)) == "high_risk-5"


def test_it_trains_from_the_command_line(runner, session):
    failed = runner.invoke(args=["risk", "train"])
    assert failed.exit_code == 1 and "history: need loan snapshots spanning" in failed.output
    generate_book(session, loans=120, periods=3, start=date(2026, 2, 1), seed=5)
    result = runner.invoke(args=["risk", "train", "--seed", "0"])
    assert result.exit_code == 0, result.output
    assert "days_past_due" in result.output and "held-out 2026-04-02" in result.output
    assert "scored 120 open loans" in result.output
    assert session.scalar(select(func.count(RiskScore.id))) == 120
