"""The weekly supervisor report: portfolio and officer KPIs as a PDF and a CSV, mailed through
the email channel to every active supervisor by the ``weekly_report`` scheduler job.

It covers the seven UTC days before the configured weekday (``config/kpis.yaml``). Each week is
mailed once: the audit event ``report.weekly_sent`` (with the week's first day) is written in the
same transaction as the sending, and a week that has one is never sent again. A supervisor whose
send fails is retried on the next run (the event lists who got it).
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fpdf import FPDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.audit import kpis
from outreach.audit import log as audit
from outreach.audit.csv_cells import safe_cell
from outreach.audit.kpi_config import KpiConfig
from outreach.audit.officer_kpis import officer_kpis
from outreach.audit.portfolio_kpis import portfolio
from outreach.channels import ChannelError, Channels
from outreach.channels.email import Attachment
from outreach.models import AuditEvent, Officer

log = logging.getLogger(__name__)
SENT = "report.weekly_sent"


def _pct(v: float | None) -> str:
    return f"{v * 100:.1f}%" if v is not None else "-"


def rows(session: Session, first: date, last: date, config: KpiConfig) -> list[list[str]]:
    """The report as (section, item, figure, detail) rows: what the CSV holds and the PDF shows."""
    rng = kpis.Range.of_dates(first, last)
    p = portfolio(session, rng, config)
    o = officer_kpis(session, rng)
    out = [["range", "from", first.isoformat(), last.isoformat()]]
    for currency, f in p["par"].items():
        out.append(["portfolio", f"PAR30 {currency}", _pct(f["par30"]), str(f["at_risk_30"])])
        out.append(["portfolio", f"PAR90 {currency}", _pct(f["par90"]), str(f["at_risk_90"])])
        out.append(["portfolio", f"outstanding {currency}", str(f["outstanding"]), ""])
    cure = p["cure"]
    out.append(
        ["portfolio", "cure rate", _pct(cure["rate"]), f"{cure['cured']}/{cure['in_arrears']}"]
    )
    for currency, f in p["recovery"].items():
        out.append(
            [
                "portfolio",
                f"recovery rate {currency}",
                _pct(f["rate"]),
                f"{f['recovered']}/{f['arrears']}",
            ]
        )
    rpc = p["right_party_contact"]
    out.append(
        [
            "portfolio",
            "right-party contact",
            _pct(rpc["rate"]),
            f"{rpc['right_party']}/{rpc['contacted']}",
        ]
    )
    for currency, cost in p["cost"].items():
        per = str(cost["per_unit"]) if cost["per_unit"] is not None else "-"
        detail = f"{cost['cost']}/{cost['collected']}"
        out.append(["portfolio", f"cost per amount collected {currency}", per, detail])
    for bucket, n in p["buckets"].items():
        out.append(["buckets", bucket, str(n), ""])
    for r in p["roll_rates"]:
        for bucket, rate in r["roll_forward"].items():
            out.append(["roll forward", f"{r['month']} {bucket}", _pct(rate), ""])
    people = list(o["officers"])
    if o["team"] is not None:
        people.append({"name": "Team", **o["team"]})
    for f in people:
        plans = f["arrangements"].get("plans", {"agreed": 0, "kept": 0})
        out.append(
            [
                "officer",
                f["name"],
                str(f["cases"]),
                f"promises {f['promises']} kept {_pct(f['promise_kept_rate'])}; "
                f"plans {plans['agreed']} agreed {plans['kept']} kept; recovered {f['recovered']}; "
                f"complaints {f['complaints']}; overrides {f['overrides']}",
            ]
        )
    return out


def report_csv(session: Session, first: date, last: date, config: KpiConfig) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["section", "item", "figure", "detail"])
    # Officer names are staff-entered text: a leading = + - @ would run as a formula in a
    # spreadsheet (the audit export's rule, outreach.audit.csv_cells).
    writer.writerows([[safe_cell(c) for c in row] for row in rows(session, first, last, config)])
    return buffer.getvalue()


def _latin(text: str) -> str:
    # The PDF's core font (Helvetica) covers Latin-1; anything else is shown as "?".
    return text.encode("latin-1", "replace").decode("latin-1")


def report_pdf(session: Session, first: date, last: date, config: KpiConfig) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime.combine(last, datetime.min.time(), UTC))  # reproducible bytes
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 10, "Weekly collections report", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.cell(
        0, 6, f"{first.isoformat()} to {last.isoformat()} (UTC days)", new_x="LMARGIN", new_y="NEXT"
    )
    section = None
    for name, item, figure, detail in rows(session, first, last, config)[1:]:
        if name != section:
            section = name
            pdf.ln(3)
            pdf.set_font("Helvetica", "B", 11)
            pdf.cell(0, 7, name.capitalize(), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", size=9)
        pdf.cell(60, 5, _latin(item))
        pdf.cell(30, 5, _latin(figure))
        pdf.multi_cell(0, 5, _latin(detail), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def week_of(now: datetime, config: KpiConfig) -> tuple[date, date]:
    """The (first, last) day of the latest report due at ``now``: the seven days before the
    last configured weekday whose report hour (UTC) has passed."""
    now = now.astimezone(UTC)
    day = now.date() - timedelta(days=(now.weekday() - config.report_weekday) % 7)
    if day == now.date() and now.hour < config.report_hour:
        day -= timedelta(days=7)
    return day - timedelta(days=7), day - timedelta(days=1)


def _already(session: Session, first: date) -> set[str]:
    sent: set[str] = set()
    for details in session.scalars(
        select(AuditEvent.details).where(
            AuditEvent.action == SENT, AuditEvent.subject == f"week:{first}"
        )
    ):
        sent.update((details or {}).get("to", []))
    return sent


def send_weekly(
    session: Session, channels: Channels, now: datetime, config: KpiConfig
) -> dict[str, Any]:
    """Mail the report due at ``now`` to each active supervisor who has not had it yet."""
    first, last = week_of(now, config)
    done = _already(session, first)
    to = [
        o.email
        for o in session.scalars(
            select(Officer).where(Officer.role == "supervisor", Officer.active).order_by(Officer.id)
        )
        if o.email not in done
    ]
    if not to:
        return {"week": first.isoformat(), "sent": [], "failed": []}
    name = f"portfolio-{first.isoformat()}-{last.isoformat()}"
    files = [
        Attachment(f"{name}.pdf", "application/pdf", report_pdf(session, first, last, config)),
        Attachment(f"{name}.csv", "text/csv", report_csv(session, first, last, config).encode()),
    ]
    body = (
        f"The weekly collections report for {first.isoformat()} to {last.isoformat()} (UTC) is "
        "attached as PDF and CSV. The figures' definitions are on the Portfolio and Officer KPI "
        "pages of the console."
    )
    channel = channels.get("email")
    sent, failed = [], []
    for address in to:
        try:
            channel.send(
                address,
                body,
                subject=f"Weekly collections report {first.isoformat()}",
                attachments=files,  # type: ignore[call-arg]
            )
            sent.append(address)
        except ChannelError as exc:
            log.warning("weekly report: a send failed (%s); retried next run", exc)
            failed.append(address)
    if sent:
        audit.record(session, "system", SENT, subject=f"week:{first}", details={"to": sent}, at=now)
    return {"week": first.isoformat(), "sent": sent, "failed": failed}
