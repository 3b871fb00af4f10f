"""Health: ``GET /healthz`` for the public, ``GET /healthz/ready`` with the detail.

Security finding 30: ``/healthz`` was public, told anyone which dependency was down, and made two
outbound checks (2-second timeouts each) on every call. Now:

* ``/healthz`` answers ``{"status": "ok"}`` (200) or ``{"status": "unavailable"}`` (503) and
  nothing else, for load balancers and uptime monitors;
* ``/healthz/ready`` has the detail (database, Rasa, action server, scheduler heartbeat and which
  scheduler process leads: host, pid, since) for a
  signed-in admin or a monitor sending ``Authorization: Bearer <HEALTH_TOKEN>`` (a setting from
  the environment; empty means no token is accepted);
* the Rasa and action-server checks run at most once per ``CHECK_TTL`` per process (on the app
  clock; callers arriving meanwhile share the result), so no request rate turns into an
  outbound one. The database and heartbeat are read on each call (local and cheap).
"""

from __future__ import annotations

import hmac
import threading
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, current_app, jsonify, redirect, request, url_for
from flask.blueprints import BlueprintSetupState
from sqlalchemy import select, text

from outreach.conversations.rasa_client import is_up, rasa_urls
from outreach.leader import current_leader
from outreach.models import Heartbeat
from outreach.settings import Settings
from outreach.web import db, request_now, settings
from outreach.web.auth import current_officer

bp = Blueprint("health", __name__)
HEARTBEAT_STALE = timedelta(minutes=3)
CHECK_TTL = timedelta(seconds=5)


class OutboundChecks:
    """Rasa and the action server, checked at most once per ``CHECK_TTL`` (one app each)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # one check at a time; the others wait and share it
        self._at: datetime | None = None
        self._result: dict[str, bool] = {}

    def get(self, s: Settings, now: datetime) -> dict[str, bool]:
        with self._lock:
            if self._at is None or not self._at <= now < self._at + CHECK_TTL:
                self._result = {
                    # Every server in RASA_URLS: a conversation hashed to a dead one gets no bot.
                    "rasa": all(is_up(url, "/") for url in rasa_urls(s)),
                    "action_server": is_up(s.action_server_url, "/health"),
                }
                self._at = now
            return dict(self._result)


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    state.app.extensions["outreach.health"] = OutboundChecks()


def _checks() -> dict[str, dict[str, Any]]:
    checks: dict[str, dict[str, Any]] = {}
    try:
        db().execute(text("SELECT 1"))
        checks["database"] = {"ok": True}
    except Exception as exc:  # any driver error means "not ready"; the type says which
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    outbound = current_app.extensions["outreach.health"].get(settings(), request_now())
    checks["rasa"] = {"ok": outbound["rasa"]}
    checks["action_server"] = {"ok": outbound["action_server"]}
    beat = None
    if checks["database"]["ok"]:
        beat = db().scalar(select(Heartbeat.beat_at).where(Heartbeat.name == "scheduler"))
    checks["scheduler"] = {
        "ok": beat is not None and request_now() - beat < HEARTBEAT_STALE,
        "last_beat": beat.isoformat() if beat else None,
    }
    if checks["database"]["ok"]:
        # Which of the scheduler processes runs the jobs (outreach.leader): host, pid, since.
        leader = current_leader(db(), request_now())
        checks["scheduler"]["leader"] = leader.as_dict() if leader else None
    return checks


def _token_ok() -> bool:
    token = settings().health_token
    given = request.headers.get("Authorization", "")
    if not token or not given.startswith("Bearer "):
        return False
    return hmac.compare_digest(given.removeprefix("Bearer ").encode(), token.encode())


@bp.get("/")
def index() -> Any:
    return redirect(url_for("sandbox.index") if settings().demo_mode else url_for("auth.login"))


@bp.get("/healthz")
def healthz() -> Any:
    ok = all(c["ok"] for c in _checks().values())
    return jsonify(status="ok" if ok else "unavailable"), (200 if ok else 503)


def monitor_denied() -> Any:
    """None for a signed-in admin or a monitor's bearer ``HEALTH_TOKEN``; else the 401 or 403
    answer (``/healthz/ready`` and ``/metrics`` share this gate)."""
    if _token_ok():
        return None
    officer = current_officer()
    if officer is None:
        return jsonify(
            error="authorization: sign in as an admin or send Authorization: Bearer <HEALTH_TOKEN>"
        ), 401
    if officer.role != "admin":
        return jsonify(error="authorization: admins only"), 403
    return None


@bp.get("/healthz/ready")
def ready() -> Any:
    if (denied := monitor_denied()) is not None:
        return denied
    checks = _checks()
    ok = all(c["ok"] for c in checks.values())
    return jsonify({"ok": ok, "demo_mode": settings().demo_mode, "checks": checks}), (
        200 if ok else 503
    )
