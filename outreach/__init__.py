"""Borrower outreach and self-service collections: the Flask application factory."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask, g
from flask_wtf.csrf import CSRFProtect

from .db import session_factory
from .settings import Settings

csrf = CSRFProtect()


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app: settings from the environment unless given, one blueprint per area."""
    settings = settings or Settings.from_env()
    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_base_url.startswith("https://"),
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=30),  # officer idle timeout
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.extensions["settings"] = settings
    app.extensions["sessions"] = session_factory(settings.database_url)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    csrf.init_app(app)

    @app.teardown_appcontext
    def _close_session(exc: BaseException | None) -> None:
        session = g.pop("db", None)
        if session is not None:
            if exc is not None:
                session.rollback()
            session.close()

    from .web import admin, audit_pages, auth, chat, console, health, ratelimit, sandbox, webhooks
    from .web.params import install as install_params

    install_params(app)  # <int:...> in paths: 64-bit ids, else a 404 (finding 20)

    for module in (auth, console, audit_pages, sandbox, webhooks, health, chat, admin):
        app.register_blueprint(module.bp)
    csrf.exempt(webhooks.bp)  # Twilio cannot send a CSRF token; signatures protect these routes
    csrf.exempt(chat.bp)  # no cookies: the widget's signed X-Chat-Key header authenticates
    ratelimit.install(app)

    from .web import unsubscribe

    app.register_blueprint(unsubscribe.bp)
    csrf.exempt(unsubscribe.unsubscribe)  # RFC 8058 one-click POSTs carry no CSRF token

    from .cli import register_cli

    register_cli(app)
    return app
