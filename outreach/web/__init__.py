"""Blueprints: webhooks, console, audit, sandbox, health."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, g
from sqlalchemy.orm import Session, sessionmaker

from outreach import clock
from outreach.channels import Channels
from outreach.conversations.rasa_client import RasaClient
from outreach.settings import Settings


def db() -> Session:
    """The request's database session (closed at the end of the request)."""
    if "db" not in g:
        g.db = current_app.extensions["sessions"]()
    return g.db


def sessions() -> sessionmaker[Session]:
    """The app's session factory, for work that must commit apart from the request's session
    (an audit of a request that failed)."""
    return current_app.extensions["sessions"]


def end_transaction() -> None:
    """Roll back whatever the request's session left open (a route that failed half-way),
    before writing in another session: its locks (the audit chain's, SQLite's write lock)
    would make that session wait on this one."""
    if "db" in g:
        g.db.rollback()


def settings() -> Settings:
    return current_app.extensions["settings"]


def rasa() -> RasaClient:
    """The app's one Rasa client (built by create_app): its call slots bound the whole process."""
    return current_app.extensions["rasa"]


def channels() -> Channels:
    """The app's channel registry (``create_app``), to hand to the services that send."""
    return current_app.extensions["channels"]


def request_now() -> datetime:
    """The request's instant: read from the one clock once per request and reused, so every
    row a request writes carries the same time."""
    if "now" not in g:
        g.now = clock.now()
    return g.now
