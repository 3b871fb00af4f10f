"""``flask create-officer``: the admin page's account rules hold on the command line too."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from outreach.models import Officer

GOOD = "a long enough password"


def create(runner, email="root@lender.test", password=GOOD, role="admin"):
    return runner.invoke(
        args=["create-officer", "--email", email, "--name", "Root", "--role", role],
        input=f"{password}\n{password}\n",
    )


def officers(session):
    session.expire_all()
    return session.scalars(select(Officer)).all()


def test_it_refuses_a_one_character_admin_password(runner, session):
    result = create(runner, password="x")
    assert result.exit_code != 0
    assert "password: at least 12 characters" in result.output
    assert officers(session) == []


@pytest.mark.parametrize("email", ["root", "root@", "root@localhost", "ro ot@lender.test", "@x.io"])
def test_it_refuses_an_address_that_is_not_an_email(runner, session, email):
    result = create(runner, email=email)
    assert result.exit_code != 0
    assert "email: enter a valid email address" in result.output
    assert officers(session) == []


def test_it_creates_an_officer_who_can_sign_in(runner, session, app):
    result = create(runner, email=" Root@Lender.test ")
    assert result.exit_code == 0, result.output
    [officer] = officers(session)
    assert (officer.email, officer.role) == ("root@lender.test", "admin")
    resp = app.test_client().post("/login", data={"email": "root@lender.test", "password": GOOD})
    assert resp.status_code == 302
