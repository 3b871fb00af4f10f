"""Officer and portfolio KPI pages (issue 18), charts drawn by the app's own Chart.js copy.

Supervisors see every officer and the team; an officer sees only their own figures, whatever
the query string asks for. The portfolio page and its report downloads are for supervisors.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request

from outreach.audit import kpis
from outreach.audit.kpi_config import kpi_config
from outreach.audit.officer_kpis import officer_kpis
from outreach.audit.portfolio_kpis import portfolio
from outreach.reports.weekly import report_csv, report_pdf
from outreach.web import db
from outreach.web.audit.kpi import _range
from outreach.web.auth import current_officer, require_role

bp = Blueprint("kpis", __name__, url_prefix="/kpis")
SUPERVISORS = ("supervisor",)  # admin is admitted everywhere by require_role


@bp.get("/officers")
@require_role("officer", "supervisor")
def officers() -> Any:
    first, last, error = _range(request.args)
    me = current_officer()
    assert me is not None  # require_role signed them in
    own = me.id if me.role == "officer" else None  # an officer sees only their own figures
    figures = officer_kpis(db(), kpis.Range.of_dates(first, last), officer_id=own)
    return render_template(
        "kpis/officers.html", figures=figures, first=first, last=last, error=error, own=own
    ), (400 if error else 200)


@bp.get("/portfolio")
@require_role(*SUPERVISORS)
def portfolio_page() -> Any:
    first, last, error = _range(request.args)
    figures = portfolio(db(), kpis.Range.of_dates(first, last), kpi_config())
    currency = (request.args.get("currency") or "").upper()[:3]
    return render_template(
        "kpis/portfolio.html",
        figures=figures,
        first=first,
        last=last,
        error=error,
        currency=currency,
    ), (400 if error else 200)


@bp.get("/report.<kind>")
@require_role(*SUPERVISORS)
def report(kind: str) -> Any:
    """The weekly report for the chosen range, as the scheduler mails it (PDF or CSV)."""
    first, last, error = _range(request.args)
    if error or kind not in ("pdf", "csv"):
        return (error or "kind: pdf or csv"), 400
    session, config = db(), kpi_config()
    if kind == "pdf":
        body, mime = report_pdf(session, first, last, config), "application/pdf"
    else:
        body, mime = report_csv(session, first, last, config).encode(), "text/csv"
    name = f"portfolio-{first.isoformat()}-{last.isoformat()}.{kind}"
    return Response(
        body, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
