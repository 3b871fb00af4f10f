"""``flask --app wsgi outreach plan --dry-run`` and ``flask --app wsgi templates preview``."""

from __future__ import annotations

import csv
import sys
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from outreach import clock
from outreach.audit.csv_cells import safe_cell
from outreach.campaigns.config import CampaignConfigError, load_config
from outreach.campaigns.planner import Planned, plan
from outreach.channels.sms_encoding import analyse
from outreach.messaging.contact_policy import (
    BorrowerFacts,
    decide_scenario,
    load_facts,
    scenario_from_facts,
    usable_point,
)
from outreach.messaging.links import unsubscribe_url
from outreach.messaging.templates import TemplateCheckError, check_all, render, render_email
from outreach.models import Borrower, Loan, OutboxItem
from outreach.outbox.render import variables

outreach_cli = AppGroup("outreach", help="Outreach campaigns: planning and dispatch.")
templates_cli = AppGroup("templates", help="Borrower message templates.")
CSV_FIELDS = (
    "loan_id",
    "borrower_id",
    "step",
    "template",
    "channel",
    "outcome",
    "rule",
    "next_allowed_at",
)


def _session():
    return current_app.extensions["sessions"]()


def preview(item: Planned, facts: BorrowerFacts | None, now: datetime) -> dict[str, Any]:
    """What the dispatcher would do with ``item`` at ``now`` (policy decided, nothing sent)."""
    row = {
        "loan_id": item.loan_id,
        "borrower_id": item.borrower_id,
        "step": item.step,
        "template": item.template,
        "channel": "",
        "outcome": "",
        "rule": "",
        "next_allowed_at": "",
    }
    if item.stopped_by:
        return {**row, "outcome": "paused", "rule": item.stopped_by}
    blocked: list[str] = []
    for ch in item.channels if facts is not None else ():
        if usable_point(facts.points, ch) is None:
            continue
        decision = decide_scenario(scenario_from_facts(facts, ch, now))
        if decision["allowed"]:
            return {**row, "channel": ch, "outcome": "send"}
        if decision.get("next_allowed_at"):
            return {
                **row,
                "channel": ch,
                "outcome": "defer",
                "rule": ",".join(decision["reasons"]),
                "next_allowed_at": decision["next_allowed_at"],
            }
        blocked.append(f"{ch}:{','.join(decision['reasons'])}")
    return {**row, "outcome": "blocked", "rule": ";".join(blocked) or "no_address"}


def preview_all(session, items: list[Planned], now: datetime, chunk: int = 1000) -> list[dict]:
    """``preview`` for every planned item, with the policy facts loaded a chunk at a time."""
    rows = []
    for start in range(0, len(items), chunk):
        part = items[start : start + chunk]
        facts = load_facts(session, {p.borrower_id for p in part if not p.stopped_by}, now)
        rows.extend(preview(p, facts.get(p.borrower_id), now) for p in part)
    return rows


@outreach_cli.command("plan")
@click.option("--dry-run", is_flag=True, help="Show what would go out and what is blocked.")
@click.option(
    "--date",
    "on",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Plan as of this day (default today), at the current UTC time of day.",
)
@click.option(
    "--at",
    "at",
    default=None,
    help="Plan as of this UTC instant, e.g. 2026-11-24T16:00:00Z (rehearsals and tests).",
)
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the dry-run rows to this CSV file.",
)
def plan_command(dry_run: bool, on: datetime | None, at: str | None, csv_path: str | None) -> None:
    """Queue today's reminders (idempotent), or with --dry-run show them without sending."""
    now = _instant(at) or clock.now()
    if on is not None:
        now = datetime.combine(on.date(), now.time().replace(microsecond=0), tzinfo=UTC)
    try:
        config = load_config()
    except CampaignConfigError as exc:
        raise click.ClickException(str(exc)) from None
    with _session() as session:
        if not dry_run:
            report = plan(session, now, config=config)
            click.echo(
                f"{report.considered} due, {report.queued} queued, "
                f"{report.already_queued} already queued"
            )
            return
        report = plan(session, now, config=config, dry_run=True)
        queued = set(
            session.scalars(
                select(OutboxItem.idempotency_key).where(
                    OutboxItem.idempotency_key.in_([p.key for p in report.items])
                )
            )
        )
        rows = preview_all(session, report.items, now)
        for item, row in zip(report.items, rows, strict=True):
            if item.key in queued and row["outcome"] != "paused":
                row["outcome"] = "already_queued"
        session.rollback()  # a dry run writes nothing (not even a rule-pack snapshot)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["outcome"]] = counts.get(row["outcome"], 0) + 1
    if csv_path:
        with open(csv_path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
            writer.writeheader()
            # Template and rule names come from config files: neutralised like any export cell.
            writer.writerows({k: safe_cell(v) for k, v in row.items()} for row in rows)
    else:
        for row in rows:
            click.echo(
                "loan {loan_id} step {step} {template}: {outcome} {channel} {rule} "
                "{next_allowed_at}".format(**row).rstrip()
            )
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "nothing due"
    click.echo(f"dry run for {now:%Y-%m-%d %H:%M}Z: {summary}")


@outreach_cli.command("dispatch")
@click.option("--until-empty", is_flag=True, help="Repeat passes until nothing is due.")
@click.option(
    "--at",
    "at",
    default=None,
    hidden=True,
    help="Act as if it were this UTC instant (tests and rehearsals).",
)
def dispatch_command(until_empty: bool, at: str | None) -> None:
    """Send what is due now (the scheduler's dispatch job, run once)."""
    from outreach.outbox.dispatcher import dispatch

    settings = current_app.extensions["settings"]
    channels = current_app.extensions["channels"]  # the app's registry (create_app)
    when = _instant(at)
    total: dict[str, int] = {}
    with _session() as session:
        while True:
            # Without --at every pass reads the clock again: a long --until-empty run moves on.
            report = dispatch(session, settings, when or clock.now(), channels=channels)
            for key, value in vars(report).items():
                total[key] = total.get(key, 0) + value
            if not until_empty or report.claimed == 0:
                break
    click.echo(", ".join(f"{v} {k}" for k, v in total.items()))


def _instant(at: str | None) -> datetime | None:
    """An ``--at`` option: an ISO instant with a zone (``Z`` or an offset)."""
    if not at:
        return None
    try:
        when = datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise click.ClickException("--at: expected an ISO instant like 2026-11-24T16:00:00Z")
    return when.astimezone(UTC)


def _sample(settings, borrower_id: int | None, locale: str | None, session) -> SimpleNamespace:
    now = clock.now()
    payload = {
        "amount": "420.00",
        "currency": "USD",
        "due_date": now.date().isoformat(),
        "promised_date": now.date().isoformat(),
        "days_past_due": 15,
        "instalment_number": 2,
        "instalment_count": 6,
    }
    loan_id = 0  # without a borrower a stand-in loan still gives the payment link its length
    if borrower_id is not None:
        borrower = session.get(Borrower, borrower_id)
        if borrower is None:
            raise click.ClickException(f"--borrower: no borrower with id {borrower_id}")
        loan = session.scalar(select(Loan).where(Loan.borrower_id == borrower_id))
        if loan is not None:
            loan_id = loan.id
            payload.update(
                amount=str(loan.past_due_amount or loan.next_due_amount or loan.outstanding),
                currency=loan.currency,
            )
            if loan.next_due_date:
                payload["due_date"] = loan.next_due_date.isoformat()
        locale = locale or borrower.locale
        # A sample "today" for this borrower is their own date, not the server's.
        payload["promised_date"] = borrower.today(now).isoformat()
    return SimpleNamespace(
        payload=payload, locale=locale or "en", borrower_id=borrower_id or 0, loan_id=loan_id
    )


@templates_cli.command("preview")
@click.argument("message")
@click.option("--channel", type=click.Choice(["sms", "whatsapp", "email"]), default="sms")
@click.option("--locale", default=None, help="e.g. en, es, es-MX (default: the borrower's).")
@click.option(
    "--borrower",
    "borrower_id",
    type=int,
    default=None,
    help="Fill the template from this borrower's first loan.",
)
def preview_command(
    message: str, channel: str, locale: str | None, borrower_id: int | None
) -> None:
    """Render MESSAGE as a borrower would receive it."""
    settings = current_app.extensions["settings"]
    try:
        check_all()
    except TemplateCheckError as exc:
        raise click.ClickException(str(exc)) from None
    with _session() as session:
        item = _sample(settings, borrower_id, locale, session)
    values = variables(settings, load_config(), item)  # type: ignore[arg-type]
    try:
        if channel == "email":
            values["unsubscribe_url"] = unsubscribe_url(settings, item.borrower_id)
            parts = render_email(message, item.locale, **values)
            click.echo(
                f"Subject: {parts['subject']}\n\n{parts['text']}\n\n--- HTML ---\n{parts['html']}"
            )
            return
        body = render(message, channel, item.locale, **values)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(body)
    if channel == "sms":
        info = analyse(body)
        click.echo(f"--- {info.encoding}, {info.units} units, {info.segments} segment(s)", err=True)
        if info.segments > load_config().max_sms_segments:
            click.echo("warning: over content.max_sms_segments", err=True)
    sys.stdout.flush()
