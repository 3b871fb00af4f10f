"""The planning pass: which reminders are due today, for the whole book, in a few queries.

One narrow query reads every loan that could be due a cadence step (with its stop and pause
conditions as columns, not per-loan lookups); the step is chosen in memory from
``config/campaigns.yaml``; the rows are inserted in bulk with ``ON CONFLICT DO NOTHING`` on the
idempotency key ``c:<loan>:<step>:<anchor date>`` (``i:<instalment>:<due>`` and
``p:<promise>:<date>`` for arrangement reminders, ``g:<group>:<meeting date>`` for a group
leader's summary, ``outreach.campaigns.group_summary``), so re-running a pass never duplicates a message.

What stops or pauses a loan's cadence (checked again by the dispatcher at send time):
- stopped: loan paid or charged off, nothing outstanding, no due date; a current loan (0 days past
  due) gets only the steps up to its due day;
- stopped: any uncleared ``BorrowerFlag`` (dispute, cease and desist, attorney, bankruptcy, ...);
- paused: an open handoff case (the officer owns the conversation);
- replaced: an accepted/current payment plan (instalment reminders instead);
- paused: an open promise to pay (one reminder the day before its date instead).
A broken plan or promise no longer matches, so the cadence resumes by itself.

Bodies are rendered by the dispatcher when the channel is known, with the fresh signed link.

The pieces: ``campaign_candidates`` (the set-based queries), ``campaign_steps`` (segment and step
selection), ``campaign_stops`` (the stop and pause conditions), ``campaign_report`` (``Planned``,
``PlanReport``). This module runs the pass and re-exports their public names.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from outreach.campaigns.candidates import BorrowerDays, arrangement_candidates, cadence_candidates
from outreach.campaigns.config import CampaignConfig, load_config
from outreach.campaigns.group_summary import summary_candidates
from outreach.campaigns.meetings import meeting_holds
from outreach.campaigns.report import Planned, PlanReport
from outreach.campaigns.settlement_reminders import settlement_candidates
from outreach.campaigns.steps import RECENT_DAYS, pick_segment, pick_step
from outreach.campaigns.stops import OPEN_PLAN
from outreach.models import OutboxItem

__all__ = [
    "INSERT_CHUNK",
    "OPEN_PLAN",
    "RECENT_DAYS",
    "PlanReport",
    "Planned",
    "arrangement_candidates",
    "cadence_candidates",
    "pick_segment",
    "pick_step",
    "plan",
]

log = logging.getLogger(__name__)
INSERT_CHUNK = 5000


def plan(
    session: Session, now: datetime, *, config: CampaignConfig | None = None, dry_run: bool = False
) -> PlanReport:
    """Queue every reminder due at ``now`` (idempotent). ``dry_run`` queues nothing and also
    reports the loans a stop or pause condition holds back."""
    config = config or load_config()
    days = BorrowerDays(now)  # each borrower's "today" is their own date at ``now``
    report = PlanReport()
    wanted = cadence_candidates(session, config, days, include_stopped=dry_run)
    wanted += arrangement_candidates(session, config, days)
    wanted += settlement_candidates(session, days)  # accepted settlements (issue 17)
    # Group leaders' summaries, where the lender turned them on (issue 20).
    wanted += summary_candidates(session, config.leader_summary, now, include_withheld=dry_run)
    report.considered = len(wanted)
    for item in wanted:
        if item.stopped_by:
            report.stopped[item.stopped_by] = report.stopped.get(item.stopped_by, 0) + 1
    if dry_run:
        report.items = wanted
        return report
    # No RETURNING: the driver's executemany sends one short statement per row in a pipeline
    # (psycopg) and its rowcount skips the keys already queued. A RETURNING bulk insert becomes
    # multi-row VALUES statements of ~15,000 placeholders, which psycopg re-parses in Python:
    # that was two thirds of the pass on PostgreSQL.
    # preserve_rowcount: SQLAlchemy reads the driver's rowcount before it is reset (psycopg).
    stmt = _insert(session).execution_options(preserve_rowcount=True)
    # Group members' cadence reminders wait for the day before their meeting (campaigns.meetings).
    holds = meeting_holds(session, {p.borrower_id for p in wanted if p.key.startswith("c:")}, now)
    for start in range(0, len(wanted), INSERT_CHUNK):
        chunk = wanted[start : start + INSERT_CHUNK]
        rows = [
            {
                "idempotency_key": p.key,
                "borrower_id": p.borrower_id,
                "loan_id": p.loan_id,
                "channel": p.channels[0],
                "address": "",
                "template": p.template,
                "body": "",
                "status": "pending",
                "not_before": holds.get(p.borrower_id, now) if p.key.startswith("c:") else now,
                "attempts": 0,
                "step": p.step,
                "locale": p.locale,
                "payload": p.payload,
                "created_at": now,
                "updated_at": now,
            }
            for p in chunk
        ]
        report.queued += session.connection().execute(stmt, rows).rowcount
    session.commit()
    report.already_queued = report.considered - report.queued
    log.info("plan: considered=%s queued=%s", report.considered, report.queued)
    return report


def _insert(session: Session):
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        return insert(OutboxItem)
    return dialect_insert(OutboxItem).on_conflict_do_nothing(index_elements=["idempotency_key"])
