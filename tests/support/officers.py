"""Console users for tests."""

from __future__ import annotations

from sqlalchemy.orm import Session

from outreach.models import Officer
from outreach.officer_accounts import hash_password

PASSWORD = "correct horse battery staple"


def make_officer(session: Session, role: str = "officer", email: str | None = None) -> Officer:
    officer = Officer(
        email=email or f"{role}@lender.test",
        name=role.title(),
        role=role,
        password_hash=hash_password(PASSWORD),
    )
    session.add(officer)
    session.commit()
    return officer


def login(client, officer: Officer, password: str = PASSWORD):
    return client.post("/login", data={"email": officer.email, "password": password})
