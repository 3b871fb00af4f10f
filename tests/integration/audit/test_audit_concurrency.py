"""The audit hash chain stays one chain under concurrent appenders (security review finding 3).

Each appender reads the last hash and chains onto it; two appenders that read the same hash fork
the chain. These tests run many appenders at once, through separate sessions and through
concurrent Flask requests, and verify the chain on SQLite and on PostgreSQL
(``TEST_DATABASE_URL``).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from outreach.audit import log as audit
from outreach.models import AuditEvent
from tests.support.factories import make_borrower
from tests.support.officers import PASSWORD, make_officer

THREADS = 16
APPENDS_PER_THREAD = 6
VIEWS_PER_CLIENT = 3  # 48 page views, 16 at a time: what the review saw break the chain


def _run_together(work, count: int) -> list:
    """Run ``work(i)`` in ``count`` threads released at the same moment; return the results."""
    start = threading.Barrier(count)

    def released(i: int):
        start.wait()
        return work(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(released, range(count)))


def test_it_keeps_one_chain_when_sessions_append_concurrently(app):
    sessions = app.extensions["sessions"]

    def append(i: int) -> None:
        for n in range(APPENDS_PER_THREAD):
            with sessions() as session:
                if n % 3 == 2:
                    audit.record_many(
                        session,
                        [
                            audit.Event("system", "test.batch", details={"t": i, "n": n, "k": k})
                            for k in range(3)
                        ],
                    )
                else:
                    audit.record(session, "system", "test.single", details={"t": i, "n": n})
                session.commit()

    _run_together(append, THREADS)
    with sessions() as session:
        expected = THREADS * APPENDS_PER_THREAD + THREADS * (APPENDS_PER_THREAD // 3) * 2
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == expected
        assert audit.verify_chain(session) is None


def test_it_keeps_one_chain_when_officers_view_pages_at_once(app, session):
    borrower = make_borrower(session)
    auditor = make_officer(session, "auditor")
    clients = []
    for i in range(THREADS):
        client = app.test_client()
        # One address per client: sign-in is rate limited per address (10 a minute).
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{i + 1}"
        signed_in = client.post("/login", data={"email": auditor.email, "password": PASSWORD})
        assert signed_in.status_code == 302
        clients.append(client)

    def view(i: int) -> list[int]:
        return [
            clients[i].get(f"/audit/borrowers/{borrower.id}").status_code
            for _ in range(VIEWS_PER_CLIENT)
        ]

    statuses = _run_together(view, THREADS)
    assert all(code == 200 for codes in statuses for code in codes), statuses
    session.expire_all()
    viewed = session.scalar(select(func.count()).where(AuditEvent.action == "borrower.viewed"))
    assert viewed == THREADS * VIEWS_PER_CLIENT
    assert audit.verify_chain(session) is None
