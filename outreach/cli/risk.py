"""``flask --app wsgi risk ...``: train the risk model on the lender's history, score loans.

``train`` fits a logistic regression on the loan snapshots (``outreach.risk.train``), stores it
with its coefficients and version, prints them with the held-out AUC next to the AUC of days
past due alone, then scores every open loan with it. ``score`` re-scores with the latest model.
``snapshot`` takes today's loan snapshot now (the scheduler does it hourly).
"""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

from outreach import clock
from outreach.audit.kpi_config import kpi_config
from outreach.audit.snapshots import take_snapshot
from outreach.risk.scoring import score_all
from outreach.risk.train import TrainingError, train

risk_cli = AppGroup("risk", help="The risk score: train on the lender's history, score loans.")


def _sessions():
    return current_app.extensions["sessions"]()


@risk_cli.command("train")
@click.option("--seed", default=0, show_default=True, help="The solver's random seed.")
def train_command(seed: int) -> None:
    """Train on the loan snapshots, store the model, score every open loan."""
    now = clock.now()
    with _sessions() as session:
        try:
            model = train(session, now, seed=seed)
        except TrainingError as exc:
            raise click.ClickException(str(exc)) from exc
        scored = score_all(session, now, kpi_config())
        session.commit()
        click.echo(f"model {model.version}: {model.details['train_rows']} training rows")
        for name, coef in zip(model.features, model.coefficients, strict=True):
            click.echo(f"  {name:<16} {coef:+.4f}")
        click.echo(f"  {'intercept':<16} {model.intercept:+.4f}")
        d = model.details
        click.echo(
            f"held-out {d['held_out_day']} ({d['held_out_rows']} loans): AUC {d['auc']} "
            f"(days past due alone: {d['auc_days_past_due']})"
        )
        click.echo(f"scored {scored} open loans")


@risk_cli.command("score")
def score_command() -> None:
    """Score every open loan with the latest model."""
    with _sessions() as session:
        n = score_all(session, clock.now(), kpi_config())
        session.commit()
    click.echo(f"scored {n} open loans" if n else "no risk model yet: run `risk train` first")


@risk_cli.command("snapshot")
def snapshot_command() -> None:
    """Take today's loan snapshot (idempotent)."""
    with _sessions() as session:
        n = take_snapshot(session, clock.now())
        session.commit()
    click.echo(json.dumps({"snapshotted": n}))
