"""``flask --app wsgi files poll`` and ``files export``: the file-drop jobs, run once."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
from flask import current_app
from flask.cli import AppGroup

from outreach import clock
from outreach.integrations.file_drops.export import run_export
from outreach.integrations.file_drops.locations import DropUnavailable
from outreach.integrations.file_drops.poll import poll
from outreach.settings import Settings

files_cli = AppGroup("files", help="File drops: loan books and payment files in, exports out.")


def _settings() -> Settings:
    settings = current_app.extensions["settings"]
    if not settings.file_drop_url:
        raise click.ClickException("FILE_DROP_URL is not set: no file drop is configured")
    return settings


@contextmanager
def _bar(name: str, total: int) -> Iterator[Callable[[int], None]]:
    with click.progressbar(length=total or 0, label=name, file=sys.stderr) as bar:
        yield bar.update


@files_cli.command("poll")
def poll_command() -> None:
    """Process the new files in FILE_DROP_URL once (what the scheduler does every few minutes)."""
    settings = _settings()
    channels = current_app.extensions["channels"]
    with current_app.extensions["sessions"]() as session:
        try:
            report = poll(session, settings, channels, clock.now(), progress=_bar)
        except DropUnavailable as exc:
            raise click.ClickException(str(exc)) from None
    for handled in report.files:
        for row, field, problem in handled.problems:
            where = f"row {row}" if row is not None else "file"
            click.echo(f"{handled.name}: {where}: {field}: {problem}", err=True)
    click.echo(report.summary())


@files_cli.command("export")
def export_command() -> None:
    """Write the daily exports that are due (yesterday's, and any day missed before)."""
    settings = _settings()
    with current_app.extensions["sessions"]() as session:
        try:
            days = run_export(session, settings, clock.now())
        except DropUnavailable as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(
        "exported " + ", ".join(d.isoformat() for d in days) if days else "nothing to export"
    )
