"""``GET /healthz``: database, Rasa, action server and scheduler heartbeat, as JSON."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, jsonify, redirect, url_for
from sqlalchemy import select, text

from ..models import Heartbeat
from ..rasa_client import is_up
from . import db, request_now, settings

bp = Blueprint("health", __name__)
HEARTBEAT_STALE = timedelta(minutes=3)


@bp.get("/")
def index() -> Any:
    return redirect(url_for("sandbox.index") if settings().demo_mode else url_for("auth.login"))


@bp.get("/healthz")
def healthz() -> Any:
    checks: dict[str, Any] = {}
    try:
        db().execute(text("SELECT 1"))
        checks["database"] = {"ok": True}
    except Exception as exc:
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    checks["rasa"] = {"ok": is_up(settings().rasa_url, "/")}
    checks["action_server"] = {"ok": is_up(settings().action_server_url, "/health")}
    beat = None
    if checks["database"]["ok"]:
        beat = db().scalar(select(Heartbeat.beat_at).where(Heartbeat.name == "scheduler"))
    checks["scheduler"] = {
        "ok": beat is not None and request_now() - beat < HEARTBEAT_STALE,
        "last_beat": beat.isoformat() if beat else None,
    }
    ok = all(c["ok"] for c in checks.values())
    return jsonify({"ok": ok, "demo_mode": settings().demo_mode, "checks": checks}), (
        200 if ok else 503
    )
