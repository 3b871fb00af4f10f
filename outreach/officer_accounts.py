"""Console accounts: what a valid officer email and password are, and how passwords are hashed.

One set of rules for every way an account is made or changed (``flask create-officer``, the
admin page), so a 1-character password or a non-email address cannot slip in by the CLI
(security finding 27).
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher

from outreach.models import Officer

MIN_PASSWORD = 12
# argon2 takes any length; the cap keeps a megabyte "password" from costing a worker seconds.
MAX_PASSWORD = 1024
MAX_EMAIL = 254  # RFC 5321 path limit
MAX_NAME = 200

# A mailbox address as people type it: local part, one @, a dotted domain of DNS labels.
# Deliberately narrower than RFC 5322 (no quoted local parts, no IP literals).
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)

hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return hasher.hash(password)


def end_sessions(officer: Officer) -> None:
    """End every session of ``officer`` (security finding 10): a session cookie is valid only
    while it carries the officer's current ``session_version``. The caller commits."""
    officer.session_version = (officer.session_version or 0) + 1


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_error(email: str) -> str | None:
    """Why ``email`` (already normalised) cannot be an officer's sign-in, or None."""
    if len(email) > MAX_EMAIL or not _EMAIL.fullmatch(email) or ".." in email:
        return "email: enter a valid email address, like name@lender.example"
    return None


def password_error(password: str) -> str | None:
    """Why ``password`` is not acceptable for a console account, or None."""
    if len(password) < MIN_PASSWORD:
        return f"password: at least {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        return f"password: at most {MAX_PASSWORD} characters"
    if not password.strip():
        return "password: not only spaces"
    return None


def name_error(name: str) -> str | None:
    if not name.strip():
        return "name: required"
    if len(name) > MAX_NAME:
        return f"name: at most {MAX_NAME} characters"
    return None
