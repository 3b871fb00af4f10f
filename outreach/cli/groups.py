"""``flask --app wsgi groups summary``: preview or queue the group leader's summary (issue 20).

The scheduler's reminder pass queues each summary by itself at its moment; this command is for
a lender checking one group (``--dry-run``: the text the leader would get, and what the contact
policy says now) or sending it ahead of that moment. Sending queues it in the outbox under the
same key the scheduler uses, so a group still gets one summary per meeting; the dispatcher then
sends it like any reminder (contact policy, caps, audit log, channel routing).
"""

from __future__ import annotations

import sys
from collections import Counter
from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

from outreach import clock
from outreach.audit import log as audit
from outreach.campaigns.config import CampaignConfigError, load_config
from outreach.campaigns.group_summary import Summary, queue, summaries
from outreach.cli.outreach import _instant, _session, preview_all
from outreach.messaging.templates import render
from outreach.models import OutboxItem
from outreach.outbox.render import variables

groups_cli = AppGroup("groups", help="Joint-liability groups: the leader's summary.")


@groups_cli.command("summary")
@click.option(
    "--group", "ref", default=None, help="The loan book's group_id (default: every group)."
)
@click.option(
    "--dry-run", is_flag=True, help="Show the text and the policy's answer; queue nothing."
)
@click.option(
    "--at", "at", default=None, help="Act as of this UTC instant, e.g. 2026-11-25T13:00:00Z."
)
def summary_command(ref: str | None, dry_run: bool, at: str | None) -> None:
    """Preview or queue the leader's summary for each group's next meeting."""
    now = _instant(at) or clock.now()
    try:
        config = load_config()
    except CampaignConfigError as exc:
        raise click.ClickException(str(exc)) from None
    settings = current_app.extensions["settings"]
    outcomes: Counter[str] = Counter()
    with _session() as session:
        found = summaries(session, config.leader_summary, now, refs=[ref] if ref else None)
        if ref and not found:
            raise click.ClickException(f"--group: no group {ref!r} in the loan book")
        lines = []
        with click.progressbar(found, label="groups", file=sys.stderr) as bar:
            for s in bar:
                kind, outcome, text = _one(session, s, settings, config, now, dry_run)
                outcomes[kind] += 1
                lines.append((s, outcome, text))
        if dry_run:
            session.rollback()  # a dry run writes nothing (not even a rule-pack snapshot)
        else:
            session.commit()
    for s, outcome, text in lines:
        meeting = f"meeting {s.meeting_date.isoformat()}" if s.meeting_date else "no meeting"
        click.echo(f"{s.group_ref} {meeting}: {outcome}")
        if text:
            click.echo("  " + text.replace("\n", "\n  "))
    summary = ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items())) or "no groups"
    click.echo(f"{'dry run' if dry_run else 'summaries'} at {now:%Y-%m-%d %H:%M}Z: {summary}")


def _one(
    session, s: Summary, settings, config, now: datetime, dry_run: bool
) -> tuple[str, str, str]:
    """(outcome kind, outcome line, the text in the leader's language or "") for one group."""
    if s.withheld:
        return "withheld", f"withheld: {s.withheld}", ""
    planned = s.planned()
    item = OutboxItem(
        borrower_id=planned.borrower_id, locale=planned.locale, payload=planned.payload
    )
    text = render(planned.template, "sms", planned.locale, **variables(settings, config, item))
    counts = f"{s.on_time} of {s.counted} counted"
    if dry_run:
        row = preview_all(session, [planned], now)[0]
        rule = f" ({row['rule']})" if row["rule"] else ""
        return f"would {row['outcome']}", f"would {row['outcome']}{rule}, {counts}", text
    if not queue(session, s, now):
        return "already_queued", "already queued for this meeting", ""
    audit.record(
        session,
        "cli",
        "group_summary.queued",
        subject=f"group:{s.group_id}",
        borrower_id=s.leader_id,
        details={"meeting": s.meeting_date.isoformat() if s.meeting_date else None},
        at=now,
    )
    return "queued", f"queued, {counts}", text
