"""Blueprints: webhooks, console, audit, sandbox, health."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session

from ..settings import Settings


def db() -> Session:
    """The request's database session (closed at the end of the request)."""
    if "db" not in g:
        g.db = current_app.extensions["sessions"]()
    return g.db


def settings() -> Settings:
    return current_app.extensions["settings"]
