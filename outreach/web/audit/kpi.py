"""KPI dashboard: figures for a date range, charts drawn by the app's own Chart.js copy."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import render_template, request

from outreach.audit import group_kpis, kpis, payment_kpis, resolution_kpis
from outreach.web import db, params, request_now
from outreach.web.audit.blueprint import AUDIT_ROLES, bp
from outreach.web.auth import require_role

MAX_DAYS = 366


def _range(args: Any) -> tuple[date, date, str | None]:
    today = request_now().date()
    first, last = today - timedelta(days=29), today
    for name in ("date_from", "date_to"):
        raw = args.get(name) or ""
        if raw and params.to_date(raw) is None:  # far dates overflowed the range (finding 20)
            problem = f"a date as YYYY-MM-DD between {params.MIN_DATE} and {params.MAX_DATE}"
            return today - timedelta(days=29), today, f"{name}: {problem}"
    first = params.to_date(args.get("date_from") or "") or first
    last = params.to_date(args.get("date_to") or "") or last
    if last < first:
        return first, first, "date_to: on or after date_from"
    if (last - first).days >= MAX_DAYS:
        return last - timedelta(days=MAX_DAYS - 1), last, f"date_from: at most {MAX_DAYS} days"
    return first, last, None


@bp.get("/kpis")
@require_role(*AUDIT_ROLES)
def dashboard() -> Any:
    first, last, error = _range(request.args)
    rng = kpis.Range.of_dates(first, last)
    figures = {
        **kpis.dashboard(db(), rng),
        "through_product": payment_kpis.figures(db(), rng),
        "resolutions": resolution_kpis.figures(db(), rng),
        "groups": group_kpis.group_figures(db(), rng),
    }
    return render_template(
        "audit/kpis.html", figures=figures, first=first, last=last, error=error
    ), (400 if error else 200)
