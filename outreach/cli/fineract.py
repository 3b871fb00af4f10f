"""``flask --app wsgi fineract sync|pull|push``: the Fineract connector, run once."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from outreach import clock
from outreach.integrations.fineract.client import (
    FineractClient,
    FineractRefused,
    FineractUnavailable,
)
from outreach.integrations.fineract.hooks import process_pending
from outreach.integrations.fineract.pull import pull
from outreach.integrations.fineract.push import push
from outreach.settings import Settings

fineract_cli = AppGroup("fineract", help="Apache Fineract / Mifos X: pull the book, push notes.")


def _settings() -> Settings:
    settings = current_app.extensions["settings"]
    if not settings.fineract_url:
        raise click.ClickException("FINERACT_URL is not set: no Fineract is configured")
    return settings


def _pull(session: Session, fineract: FineractClient, settings: Settings) -> None:
    with click.progressbar(length=0, label="Fineract loans", file=sys.stderr) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(1)

        report = pull(session, fineract, settings, clock.now(), progress=progress)
    for loan, error in report.errors:
        click.echo(f"{loan}: {error}", err=True)
    click.echo(report.summary())


def _run(*parts: str) -> None:
    settings = _settings()
    fineract = FineractClient.from_settings(settings)
    channels = current_app.extensions["channels"]
    with current_app.extensions["sessions"]() as session:
        try:
            if "hooks" in parts:
                hooks = process_pending(session, fineract, settings, channels, clock.now())
                for failed in hooks.failed:
                    click.echo(failed, err=True)
                click.echo(
                    f"{hooks.done} hooks done, {hooks.ignored} ignored, {hooks.pending} pending"
                )
            if "pull" in parts:
                _pull(session, fineract, settings)
            if "push" in parts:
                pushed = push(session, fineract, settings, clock.now())
                for refused in pushed.refused:
                    click.echo(refused, err=True)
                click.echo(pushed.summary())
        except (FineractUnavailable, FineractRefused) as exc:
            raise click.ClickException(str(exc)) from None


@fineract_cli.command("sync")
def sync_command() -> None:
    """Pending hooks, then the pull, then the push (the scheduler's job, once)."""
    _run("hooks", "pull", "push")


@fineract_cli.command("pull")
def pull_command() -> None:
    """Upsert clients, loans, schedules and arrears from Fineract."""
    _run("pull")


@fineract_cli.command("push")
def push_command() -> None:
    """Push promises and plans not pushed yet as loan notes (and pauses, when enabled)."""
    _run("push")
