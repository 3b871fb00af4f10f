"""``flask --app wsgi letters batch --date D --out DIR`` and ``stages evaluate|agency-export``."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from outreach import clock
from outreach.config_files import ConfigError
from outreach.letters.batch import due, print_batch
from outreach.stages.agency import placements, placements_csv
from outreach.stages.evaluate import evaluate_stages

letters_cli = AppGroup("letters", help="Letters: print the day's batch.")
stages_cli = AppGroup("stages", help="Account stages: evaluate the rules, export placements.")


def _session():
    return current_app.extensions["sessions"]()


def _day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date like 2026-12-02", param_hint=field
        ) from None


@letters_cli.command("batch")
@click.option("--date", "day", required=True, help="Letters dated this day (YYYY-MM-DD).")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, writable=True, path_type=Path),
    help="Folder for the PDFs and manifest.csv (created if missing).",
)
def batch_command(day: str, out_dir: Path) -> None:
    """Write every letter to print dated --date into --out, re-checking the contact policy."""
    when = _day(day, "--date")
    with _session() as session:
        total = len(due(session, when))
        with click.progressbar(length=total, label=f"letters {when}", file=sys.stderr) as bar:
            report = print_batch(session, when, out_dir, clock.now(), progress=bar.update)
    for letter_id, reasons in report.blocked:
        click.echo(f"letter #{letter_id} blocked: {', '.join(reasons)}", err=True)
    for letter_id in report.corrupt:
        click.echo(f"letter #{letter_id} not printed: PDF does not match its SHA-256", err=True)
    click.echo(f"{report.summary()}; written to {out_dir}")
    if report.corrupt:
        sys.exit(1)


@stages_cli.command("evaluate")
def evaluate_command() -> None:
    """Apply config/stages.yaml to every loan now (what the scheduler's stages job does)."""
    try:
        with _session() as session:
            report = evaluate_stages(session, clock.now())
            session.commit()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(report.summary())


@stages_cli.command("agency-export")
@click.option("--agency", default=None, help="Only this agency's placements.")
@click.option("--since", default=None, help="Only placements since this day (YYYY-MM-DD).")
def agency_export_command(agency: str | None, since: str | None) -> None:
    """CSV of the accounts supervisors placed with an agency, to standard output."""
    start = None
    if since:
        d = _day(since, "--since")
        start = datetime(d.year, d.month, d.day, tzinfo=clock.now().tzinfo)
    with _session() as session:
        click.echo(placements_csv(placements(session, agency, start)), nl=False)
