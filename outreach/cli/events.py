"""``flask --app wsgi events ...``: webhook subscriptions and their deliveries.

``subscribe`` prints the signing secret once (the last line of its output); ``list`` prints one
JSON object a line with the delivery health; ``unsubscribe``, ``pause``, ``resume``;
``replay`` queues a subscription's dead letters (or everything since ``--since``) again;
``deliver`` runs the scheduler's ``events`` job once.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup

from outreach import clock
from outreach import events as outbound
from outreach.integrations.webhooks import subscriptions
from outreach.integrations.webhooks.worker import deliver

events_cli = AppGroup("events", help="Outbound event webhooks: subscriptions and deliveries.")
ACTOR = "cli"


def _sessions():
    return current_app.extensions["sessions"]()


def _instant(value: str | None, option: str) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise click.ClickException(f"{option}: expected an ISO instant like 2026-11-24T16:00:00Z")
    return when.astimezone(UTC)


def _find(session, name: str):  # type: ignore[no-untyped-def]
    sub = subscriptions.find(session, name)
    if sub is None:
        raise click.ClickException(f"name: no subscription named {name!r}")
    return sub


@events_cli.command("subscribe")
@click.option("--name", required=True, help="A name for the integration, e.g. core-banking.")
@click.option("--url", required=True, help="Where events are POSTed (https:// in production).")
@click.option(
    "--types",
    required=True,
    help="Comma-separated event types, or 'all': " + ", ".join(outbound.TYPES),
)
def subscribe(name: str, url: str, types: str) -> None:
    """Create a subscription; its signing secret is printed once, on the last line."""
    settings = current_app.extensions["settings"]
    with _sessions() as session:
        try:
            sub, secret = subscriptions.create(
                session,
                name,
                url,
                types,
                actor=ACTOR,
                now=clock.now(),
                production=settings.production,
            )
        except subscriptions.SubscriptionError as exc:
            raise click.ClickException(str(exc)) from None
        session.commit()
        click.echo(f"subscription {sub.name}: {', '.join(sub.types)}", err=True)
        click.echo("signing secret (shown once; verify deliveries with it):", err=True)
    click.echo(secret)


@events_cli.command("list")
def list_command() -> None:
    """One JSON object a line per subscription, with its delivery health."""
    with _sessions() as session:
        for h in subscriptions.health(session):
            click.echo(
                json.dumps(
                    {
                        "name": h.subscription.name,
                        "url": subscriptions.shown_url(h.subscription),
                        "types": h.subscription.types,
                        "active": h.subscription.active,
                        "pending": h.pending,
                        "delivered": h.delivered,
                        "dead": h.dead,
                        "last_error": h.last_error,
                        "last_error_at": outbound.timestamp(h.last_error_at)
                        if h.last_error_at
                        else None,
                    }
                )
            )


@events_cli.command("unsubscribe")
@click.argument("name")
def unsubscribe(name: str) -> None:
    """Delete subscription NAME and its deliveries (the events stay)."""
    with _sessions() as session:
        gone = subscriptions.remove(session, _find(session, name), actor=ACTOR, now=clock.now())
        session.commit()
    click.echo(f"subscription {name} deleted ({gone} deliveries)")


@events_cli.command("pause")
@click.argument("name")
def pause(name: str) -> None:
    """Hold NAME's deliveries (nothing is lost; ``resume`` sends them)."""
    with _sessions() as session:
        subscriptions.set_active(session, _find(session, name), False, actor=ACTOR, now=clock.now())
        session.commit()
    click.echo(f"subscription {name} paused")


@events_cli.command("resume")
@click.argument("name")
def resume(name: str) -> None:
    """Deliver NAME's events again, starting with those that waited."""
    with _sessions() as session:
        subscriptions.set_active(session, _find(session, name), True, actor=ACTOR, now=clock.now())
        session.commit()
    click.echo(f"subscription {name} resumed")


@events_cli.command("replay")
@click.option("--subscription", "name", required=True, help="The subscription's name.")
@click.option("--since", default=None, help="Every event since this ISO instant, not only dead.")
def replay(name: str, since: str | None) -> None:
    """Queue the subscription's dead deliveries again (with --since: every event since then)."""
    when = _instant(since, "--since")
    with _sessions() as session:
        count = subscriptions.replay(
            session, _find(session, name), actor=ACTOR, now=clock.now(), since=when
        )
        session.commit()
    click.echo(f"{count} deliveries queued for {name}")


@events_cli.command("deliver")
@click.option(
    "--at",
    "at",
    default=None,
    hidden=True,
    help="Act as if it were this UTC instant (tests and rehearsals).",
)
def deliver_command(at: str | None) -> None:
    """Deliver every due event once (the scheduler's events job, run once)."""
    settings = current_app.extensions["settings"]
    report = deliver(settings, _instant(at, "--at") or clock.now())
    click.echo(json.dumps(report.as_dict()))
