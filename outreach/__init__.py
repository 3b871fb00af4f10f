"""Borrower outreach and self-service collections: the Flask application factory."""

from __future__ import annotations

from flask import Flask, g
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from outreach import logs
from outreach.channels import ChannelRegistry
from outreach.conversations.rasa_client import RasaClient
from outreach.db import session_factory
from outreach.settings import Settings

csrf = CSRFProtect()


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app: settings from the environment unless given, one blueprint per area."""
    from outreach.web.auth import SESSION_IDLE

    settings = settings or Settings.from_env()
    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_base_url.startswith("https://"),
        # The server decides whether a session is valid (web/auth.py); the cookie is renewed
        # only when an officer acts, never by the console's polls (security finding 10).
        PERMANENT_SESSION_LIFETIME=SESSION_IDLE,
        SESSION_REFRESH_EACH_REQUEST=False,
        WTF_CSRF_TIME_LIMIT=None,
    )
    if settings.trusted_proxy_count:
        # The client address is the one the configured proxies forwarded, and only then: with
        # no proxy configured, X-Forwarded-For is ignored (security finding 25).
        n = settings.trusted_proxy_count
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    app.extensions["settings"] = settings
    app.extensions["sessions"] = session_factory(settings.database_url)
    app.extensions["rasa"] = RasaClient.from_settings(settings)  # one per process: its slots
    app.extensions["channels"] = ChannelRegistry(settings)  # handed to the services that send
    logs.configure()  # INFO, Twilio's client quieted, phone numbers and addresses redacted
    csrf.init_app(app)

    @app.teardown_appcontext
    def _close_session(exc: BaseException | None) -> None:
        session = g.pop("db", None)
        if session is not None:
            if exc is not None:
                session.rollback()
            session.close()

    from outreach.web import (
        admin,
        africastalking,
        audit,
        auth,
        chat,
        console,
        fineract_hooks,
        health,
        kpi_pages,
        metrics,
        ratelimit,
        sandbox,
        security_headers,
        webhooks,
    )
    from outreach.web.params import install as install_params
    from outreach.web.payments import callbacks as payment_webhooks
    from outreach.web.payments import link as pay
    from outreach.web.payments import mpesa_page
    from outreach.web.payments import sandbox as sandbox_pay

    install_params(app)  # <int:...> in paths: 64-bit ids, else a 404 (finding 20)

    for module in (
        auth,
        console,
        audit,
        sandbox,
        sandbox_pay,
        webhooks,
        africastalking,
        payment_webhooks,
        fineract_hooks,
        pay,
        mpesa_page,
        health,
        metrics,
        chat,
        admin,
        kpi_pages,
    ):
        app.register_blueprint(module.bp)
    csrf.exempt(webhooks.bp)  # Twilio cannot send a CSRF token; signatures protect these routes
    csrf.exempt(africastalking.bp)  # unsigned: a secret path token and an allowlist guard it
    csrf.exempt(payment_webhooks.bp)  # providers sign (or token-guard) their callbacks
    csrf.exempt(fineract_hooks.bp)  # Fineract cannot send a CSRF token; a secret path guards it
    csrf.exempt(chat.bp)  # no cookies: the widget's signed X-Chat-Key header authenticates
    from outreach.web import api

    api.install(app)
    csrf.exempt(api.bp)  # no cookies: a bearer API key authenticates each request
    ratelimit.install(app)
    metrics.install(app)  # webhook latency for /metrics
    security_headers.install(app, settings)

    from outreach.web import unsubscribe

    app.register_blueprint(unsubscribe.bp)
    csrf.exempt(unsubscribe.unsubscribe)  # RFC 8058 one-click POSTs carry no CSRF token

    from outreach.cli.setup import register_cli

    register_cli(app)
    return app
