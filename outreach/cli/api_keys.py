"""``flask --app wsgi api-keys create|list|revoke``: keys for the REST API (contracts/api.md).

``create`` prints the key once, on the last line of standard output; only its SHA-256 is kept.
"""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

from outreach import clock
from outreach.integrations import api_keys
from outreach.models import API_SCOPES

api_keys_cli = AppGroup("api-keys", help="Keys for the lender's REST API (/api/v1).")
ACTOR = "cli"


def _session():
    return current_app.extensions["sessions"]()


@api_keys_cli.command("create")
@click.option("--name", required=True, help="Who uses the key, e.g. core-banking.")
@click.option(
    "--scopes",
    required=True,
    help=f"Comma-separated, from: {', '.join(API_SCOPES)}.",
)
def create(name: str, scopes: str) -> None:
    """Create a key; it is printed once, on the last line."""
    with _session() as session:
        try:
            row, key = api_keys.create_key(session, name, scopes, clock.now(), ACTOR)
        except api_keys.ApiKeyError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"API key {row.name} ({row.scopes}): shown once, store it now")
    click.echo(key)


@api_keys_cli.command("list")
def list_keys() -> None:
    """One JSON object a line per key: name, scopes, prefix, created_at, revoked_at."""
    with _session() as session:
        for row in api_keys.list_keys(session):
            click.echo(
                json.dumps(
                    {
                        "name": row.name,
                        "scopes": row.scope_list,
                        "prefix": row.prefix,
                        "created_at": row.created_at.isoformat(),
                        "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
                    }
                )
            )


@api_keys_cli.command("revoke")
@click.argument("name")
def revoke(name: str) -> None:
    """Revoke the key NAME: every request with it is refused (401) from now on."""
    with _session() as session:
        try:
            row = api_keys.revoke_key(session, name, clock.now(), ACTOR)
        except LookupError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"revoked {row.name} at {row.revoked_at.isoformat()}")
