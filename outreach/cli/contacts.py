"""``flask --app wsgi contacts reassigned``: record reassigned-number results the lender got
from a reassigned-numbers database (e.g. the FCC Reassigned Numbers Database). A reassigned
number is blocked like a wrong-party reply (contact policy reason ``wrong_party``).

One number (``--number +13125550100 --since 2026-10-01``) or a CSV file with the columns
``number,since`` (``--file results.csv``). A bad row is reported with its line and field and
skipped; every good row is still recorded.
"""

from __future__ import annotations

import csv
from datetime import date

import click
import phonenumbers
from flask import current_app
from flask.cli import AppGroup

from outreach import clock
from outreach.selfservice.wrong_party import record_reassigned

contacts_cli = AppGroup("contacts", help="Contact points: reassigned-number results.")
ACTOR = "cli"


def _e164(raw: str) -> str:
    try:
        parsed = phonenumbers.parse(raw.strip(), None)
    except phonenumbers.NumberParseException:
        raise ValueError(f"number: not an E.164 phone number: {raw!r}") from None
    if not phonenumbers.is_possible_number(parsed):
        raise ValueError(f"number: not a possible phone number: {raw!r}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _since(raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError(f"since: not a date (YYYY-MM-DD): {raw!r}") from None


@contacts_cli.command("reassigned")
@click.option("--number", help="The phone number, E.164 (+13125550100).")
@click.option("--since", "since_text", help="Reassigned since (YYYY-MM-DD).")
@click.option(
    "--file", "path", type=click.Path(exists=True, dir_okay=False), help="CSV: number,since"
)
@click.option(
    "--database", default="fcc-rnd", show_default=True, help="Where the result came from."
)
def reassigned(number: str | None, since_text: str | None, path: str | None, database: str) -> None:
    """Mark reassigned numbers: no more lender-initiated messages to them."""
    rows: list[tuple[str, str, str]] = []  # (where, number, since)
    if path:
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = {"number", "since"} - set(reader.fieldnames or [])
            if missing:
                raise click.ClickException(
                    f"{path}: missing column(s) {', '.join(sorted(missing))}"
                )
            for i, row in enumerate(reader, start=2):
                rows.append((f"{path}:{i}", row.get("number") or "", row.get("since") or ""))
    elif number and since_text:
        rows.append(("--number", number, since_text))
    else:
        raise click.ClickException("give --number and --since, or --file")
    now = clock.now()
    marked = errors = 0
    with current_app.extensions["sessions"]() as session:
        for where, raw_number, raw_since in rows:
            try:
                address, since = _e164(raw_number), _since(raw_since)
            except ValueError as exc:
                errors += 1
                click.echo(f"{where}: {exc}", err=True)
                continue
            marked += record_reassigned(session, address, since, database, now, ACTOR)
    click.echo(f"{len(rows) - errors} result(s) recorded, {marked} contact point(s) blocked")
    if errors:
        raise SystemExit(2)
