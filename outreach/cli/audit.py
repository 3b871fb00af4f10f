"""``flask --app wsgi audit ...``: verify the chain, purge by retention, legal holds, exports."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup

from outreach import clock
from outreach.audit import chain as audit_chain
from outreach.audit import log as audit
from outreach.audit.export import messages_csv, messages_json, subject_access
from outreach.audit.retention import RetentionConfigError, purge
from outreach.audit.search import FilterError, MessageFilter, parse_filter
from outreach.models import Borrower, LegalHold

audit_cli = AppGroup("audit", help="Audit log, retention and compliance exports.")


def _session():
    return current_app.extensions["sessions"]()


@audit_cli.command("verify")
@click.option(
    "--since-checkpoint",
    is_flag=True,
    help="Only the events appended since the last good verification.",
)
def verify(since_checkpoint: bool) -> None:
    """Check the hash chain; exit 1 and name the first broken link if it does not hold."""
    with _session() as session:
        point = audit_chain.verify(session, full=not since_checkpoint)
    if point.broken_id is not None:
        click.echo(
            f"audit chain BROKEN: first broken link is event #{point.broken_id} "
            f"({point.checked} events verified before it)",
            err=True,
        )
        sys.exit(1)
    click.echo(f"audit chain intact: {point.checked} events verified through #{point.through_id}")


@audit_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Report what would go; remove nothing.")
@click.option(
    "--as-of",
    type=click.DateTime(["%Y-%m-%d"]),
    help="With --dry-run: what would go on that date (UTC midnight).",
)
def purge_command(dry_run: bool, as_of: datetime | None) -> None:
    """Purge borrowers past retention (config/retention.yaml), skipping legal holds."""
    if as_of is not None and not dry_run:
        raise click.ClickException("as-of: only with --dry-run (a purge always runs as of now)")
    now = as_of.replace(tzinfo=UTC) if as_of else clock.now()
    try:
        with _session() as session:
            report = purge(session, now, dry_run=dry_run, actor="cli")
    except RetentionConfigError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(report.as_dict(), indent=1))


@audit_cli.command("hold")
@click.argument("borrower_id", type=int)
@click.option("--reason", required=True, help="Why (case or matter reference).")
def hold(borrower_id: int, reason: str) -> None:
    """Place a legal hold: nothing on the borrower is purged until it is released."""
    reason = reason.strip()
    if not reason or len(reason) > 500:
        raise click.ClickException("reason: required, at most 500 characters")
    with _session() as session:
        if session.get(Borrower, borrower_id) is None:
            raise click.ClickException(f"borrower_id: no borrower #{borrower_id}")
        item = LegalHold(borrower_id=borrower_id, reason=reason, placed_by="cli")
        session.add(item)
        session.flush()
        audit.record(
            session,
            "cli",
            "legal_hold.placed",
            subject=f"hold:{item.id}",
            borrower_id=borrower_id,
            details={"reason": reason},
        )
        session.commit()
        click.echo(f"legal hold #{item.id} placed on borrower #{borrower_id}")


@audit_cli.command("release")
@click.argument("hold_id", type=int)
def release(hold_id: int) -> None:
    """Release a legal hold."""
    with _session() as session:
        item = session.get(LegalHold, hold_id)
        if item is None:
            raise click.ClickException(f"hold_id: no legal hold #{hold_id}")
        if item.released_at is None:
            item.released_at, item.released_by = clock.now(), "cli"
            audit.record(
                session,
                "cli",
                "legal_hold.released",
                subject=f"hold:{item.id}",
                borrower_id=item.borrower_id,
            )
            session.commit()
        click.echo(f"legal hold #{hold_id} released")


@audit_cli.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv")
@click.option(
    "--filter",
    "filters",
    multiple=True,
    metavar="FIELD=VALUE",
    help="Search filters, as on /audit/search (e.g. channel=sms decision=blocked).",
)
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-")
def export(fmt: str, filters: tuple[str, ...], output) -> None:
    """Stream every message matching the filters as CSV or JSON."""
    known = set(MessageFilter.__dataclass_fields__)
    for item in filters:
        if "=" not in item or item.split("=", 1)[0] not in known:
            raise click.ClickException(
                f"filter: {item!r} is not FIELD=VALUE with FIELD one of {', '.join(sorted(known))}"
            )
    try:
        flt = parse_filter(dict(f.split("=", 1) for f in filters))
    except FilterError as exc:
        raise click.ClickException(str(exc)) from None
    with _session() as session:
        audit.record(
            session, "cli", "audit.exported", details={"format": fmt, "filter": flt.as_params()}
        )
        session.commit()
        for chunk in (messages_csv if fmt == "csv" else messages_json)(session, flt):
            output.write(chunk)


@audit_cli.command("subject-access")
@click.argument("borrower_id", type=int)
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-")
def subject_access_command(borrower_id: int, output) -> None:
    """Everything held on one borrower, as JSON."""
    with _session() as session:
        data = subject_access(session, borrower_id)
        if data is None:
            raise click.ClickException(f"borrower_id: no borrower #{borrower_id}")
        audit.record(
            session,
            "cli",
            "subject.exported",
            subject=f"borrower:{borrower_id}",
            borrower_id=borrower_id,
        )
        session.commit()
    json.dump(data, output, indent=1, default=str)
    output.write("\n")
