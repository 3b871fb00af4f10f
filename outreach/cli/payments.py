"""``flask --app wsgi payments ...``: what the payment providers reported, per loan."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

from outreach.payments.listing import loan_payments

payments_cli = AppGroup("payments", help="Payments received through Stripe, M-Pesa and Razorpay.")


@payments_cli.command("list")
@click.option("--loan", "loan_number", required=True, help="The loan number.")
def list_payments(loan_number: str) -> None:
    """One JSON object a line for each payment of the loan and each parked callback naming it."""
    with current_app.extensions["sessions"]() as session:
        exists, rows = loan_payments(session, loan_number)
    if not exists and not rows:
        raise click.ClickException(f"no loan {loan_number!r} and no parked payment names it")
    for row in rows:
        click.echo(json.dumps(row))
