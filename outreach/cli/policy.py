"""``flask --app wsgi policy replay|explain``: decisions shown to compliance staff."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from outreach import clock
from outreach.messaging.contact_policy import archived_pack, check_contact, decide_scenario
from outreach.models import Borrower, Message

policy_cli = AppGroup("policy", help="Explain and replay contact-policy decisions.")
COMPARED = ("allowed", "reasons", "next_allowed_at", "zones", "rules_version")


def _session():
    return current_app.extensions["sessions"]()


def replay_message(session: Session, message_id: int) -> tuple[dict, dict]:
    """(stored decision, the same facts decided again under the pack then in force)."""
    msg = session.get(Message, message_id)
    if msg is None:
        raise click.ClickException(f"MESSAGE_ID: no message {message_id}")
    stored = msg.decision or {}
    if "facts" not in stored or "rules_version" not in stored:
        raise click.ClickException(
            f"MESSAGE_ID: message {message_id} carries no replayable policy decision "
            f"(basis: {stored.get('basis', 'none')})"
        )
    pack = archived_pack(session, stored["rules_version"])
    if pack is None:
        raise click.ClickException(
            f"rules_version: pack {stored['rules_version']} is not in the archive"
        )
    return stored, decide_scenario(stored["facts"], pack=pack)


@policy_cli.command("replay")
@click.argument("message_id", type=int)
def replay(message_id: int) -> None:
    """Decide MESSAGE_ID's stored facts again and compare with the stored decision."""
    with _session() as session:
        stored, again = replay_message(session, message_id)
    differences = {
        k: (stored.get(k), again.get(k)) for k in COMPARED if stored.get(k) != again.get(k)
    }
    click.echo(
        json.dumps(
            {
                "message_id": message_id,
                "stored": {k: stored.get(k) for k in COMPARED},
                "replayed": {k: again.get(k) for k in COMPARED},
                "same": not differences,
            },
            indent=2,
        )
    )
    if differences:
        click.echo("DIFFERENT: " + ", ".join(differences), err=True)
        sys.exit(1)


@policy_cli.command("explain")
@click.argument("borrower_id", type=int)
@click.option("--channel", type=click.Choice(["sms", "whatsapp", "email"]), default="sms")
@click.option("--at", "at_", help="An ISO-8601 instant instead of now (e.g. 2026-12-01T14:00Z).")
def explain(borrower_id: int, channel: str, at_: str | None) -> None:
    """Could the lender contact BORROWER_ID on this channel now? Why, where, and when next."""
    now = clock.now()
    if at_:
        try:
            now = datetime.fromisoformat(at_.replace("Z", "+00:00"))
        except ValueError:
            raise click.BadParameter("expected an ISO-8601 instant", param_hint="--at") from None
        if now.tzinfo is None:
            raise click.BadParameter("needs Z or an offset", param_hint="--at")
        now = now.astimezone(UTC)
    with _session() as session:
        borrower = session.get(Borrower, borrower_id)
        if borrower is None:
            raise click.ClickException(f"BORROWER_ID: no borrower {borrower_id}")
        decision = check_contact(session, borrower, channel, now)
        session.commit()
    click.echo(f"borrower {borrower_id} on {channel} at {decision['facts']['now']}")
    click.echo(
        "decision: "
        + ("ALLOWED" if decision["allowed"] else "BLOCKED by " + ", ".join(decision["reasons"]))
    )
    for zone, local in decision.get("local_times", {}).items():
        click.echo(f"  zone {zone}: local time {local}")
    click.echo(
        f"next allowed: {decision['next_allowed_at'] or ('now' if decision['allowed'] else 'not by waiting: a rule time cannot lift blocks it')}"
    )
    click.echo(f"rules: {decision['rules_version']}")
