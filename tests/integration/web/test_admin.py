"""Admin page: only admins manage officers; passwords hashed; changes audited; no self-lockout."""

from sqlalchemy import select

from outreach.models import AuditEvent, Officer, OfficerCapacity
from tests.support.officers import login, make_officer

NEW = {
    "email": "New@Lender.test",
    "name": "Nia <i>New</i>",
    "role": "officer",
    "capacity": "7",
    "password": "a long enough password",
}


def test_it_refuses_the_admin_page_to_a_supervisor(client, session):
    login(client, make_officer(session, "supervisor"))
    assert client.get("/admin/officers").status_code == 403
    assert client.post("/admin/officers", data=NEW).status_code == 403


def test_it_creates_an_officer_who_can_sign_in(app, client, session):
    login(client, make_officer(session, "admin"))
    client.post("/admin/officers", data=NEW)
    officer = session.scalar(select(Officer).where(Officer.email == "new@lender.test"))
    assert officer.password_hash.startswith("$argon2")
    assert session.get(OfficerCapacity, officer.id).max_open_cases == 7
    page = client.get("/admin/officers").get_data(as_text=True)
    assert "Nia &lt;i&gt;New&lt;/i&gt;" in page
    other = app.test_client()
    resp = other.post("/login", data={"email": "new@lender.test", "password": NEW["password"]})
    assert resp.status_code == 302
    assert (
        session.scalar(select(AuditEvent.action).where(AuditEvent.action == "officer.created"))
        == "officer.created"
    )


def test_it_names_the_bad_field_and_keeps_existing_officers(client, session):
    login(client, make_officer(session, "admin"))
    resp = client.post(
        "/admin/officers", data={**NEW, "password": "short", "role": "boss"}, follow_redirects=True
    )
    assert b"password: at least 12 characters" in resp.data and b"role: one of" in resp.data
    assert session.scalar(select(Officer).where(Officer.email == "new@lender.test")) is None


def test_it_deactivates_an_officer_and_signs_them_out(app, client, session):
    admin = make_officer(session, "admin")
    officer = make_officer(session)
    theirs = app.test_client()
    login(theirs, officer)
    assert theirs.get("/console/").status_code == 200
    login(client, admin)
    client.post(f"/admin/officers/{officer.id}", data={"role": "officer", "capacity": "5"})
    assert theirs.get("/console/").status_code == 302  # inactive: back to sign-in
    details = session.scalar(
        select(AuditEvent.details).where(AuditEvent.action == "officer.updated")
    )
    assert details["active"] == [True, False]


def test_it_keeps_an_admin_from_locking_themselves_out(client, session):
    admin = make_officer(session, "admin")
    login(client, admin)
    resp = client.post(
        f"/admin/officers/{admin.id}",
        data={"role": "officer", "capacity": "5"},
        follow_redirects=True,
    )
    assert b"cannot remove your own admin access" in resp.data
    session.refresh(admin)
    assert admin.role == "admin" and admin.active


def test_it_refuses_an_officer_email_that_is_not_an_address(client, session):
    login(client, make_officer(session, "admin"))
    resp = client.post(
        "/admin/officers", data={**NEW, "email": "new@localhost"}, follow_redirects=True
    )
    assert b"email: enter a valid email address" in resp.data
    assert session.scalar(select(Officer).where(Officer.email == "new@localhost")) is None


def test_it_signs_an_officer_out_when_an_admin_resets_the_password(app, client, session):
    admin, officer = make_officer(session, "admin"), make_officer(session)
    theirs = app.test_client()
    login(theirs, officer)
    login(client, admin)
    client.post(
        f"/admin/officers/{officer.id}",
        data={
            "role": "officer",
            "capacity": "5",
            "active": "on",
            "password": "a brand new password",
        },
    )
    assert theirs.get("/console/").status_code == 302
    assert login(theirs, officer, password="a brand new password").status_code == 302


def test_it_keeps_an_old_session_dead_after_reactivation(app, client, session):
    admin, officer = make_officer(session, "admin"), make_officer(session)
    theirs = app.test_client()
    login(theirs, officer)
    login(client, admin)
    client.post(f"/admin/officers/{officer.id}", data={"role": "officer", "capacity": "5"})
    client.post(
        f"/admin/officers/{officer.id}", data={"role": "officer", "capacity": "5", "active": "on"}
    )
    session.refresh(officer)
    assert officer.active
    assert theirs.get("/console/").status_code == 302  # the pre-deactivation cookie is dead


def test_it_names_a_crafted_capacity_and_changes_nothing(client, session):
    admin = make_officer(session, "admin")
    officer = make_officer(session, "officer")
    login(client, admin)
    for capacity in ("²", "99999999999999999999", "0", "1e2"):
        resp = client.post(
            "/admin/officers", data={**NEW, "capacity": capacity}, follow_redirects=True
        )
        assert b"capacity: a whole number from 1 to 100" in resp.data, capacity
        resp = client.post(
            f"/admin/officers/{officer.id}",
            data={"role": "officer", "active": "on", "capacity": capacity},
            follow_redirects=True,
        )
        assert b"capacity: a whole number from 1 to 100" in resp.data, capacity
    assert session.scalar(select(Officer).where(Officer.email == "new@lender.test")) is None
    assert session.get(OfficerCapacity, officer.id) is None


def test_it_keeps_the_capacity_when_a_form_leaves_it_out(client, session):
    admin = make_officer(session, "admin")
    officer = make_officer(session, "officer")
    session.add(OfficerCapacity(officer_id=officer.id, max_open_cases=9))
    session.commit()
    login(client, admin)
    resp = client.post(f"/admin/officers/{officer.id}", data={"role": "supervisor", "active": "on"})
    assert resp.status_code == 302
    session.expire_all()
    assert session.get(OfficerCapacity, officer.id).max_open_cases == 9
    assert session.get(Officer, officer.id).role == "supervisor"
    created = client.post("/admin/officers", data={k: v for k, v in NEW.items() if k != "capacity"})
    assert created.status_code == 302
    new = session.scalar(select(Officer).where(Officer.email == "new@lender.test"))
    assert session.get(OfficerCapacity, new.id).max_open_cases == 5
