"""The chaos run (issue 19): under a steady stream of planned reminders and inbound replies
(signed webhooks over HTTP to a real gunicorn), SIGKILL in turn a web worker, a dispatcher, the
scheduler leader, the Rasa server and the action server, and restart PostgreSQL once; then check
that nothing was sent twice, no inbound message was lost, the caps held for every borrower, the
audit chain verifies and conversations kept their state. Prints the counts for the note.

PostgreSQL is a throwaway cluster of its own (tests/support/pg_cluster.py), Redis the local one
(database 15). ``make test-chaos`` runs it with every process's clock on a weekday morning.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outreach import clock
from outreach.db import engine_for
from outreach.leader import current_leader
from outreach.migrate import upgrade
from outreach.models import BotTurn, Conversation, OutboxItem
from tests.conftest import TEST_SECRET
from tests.support import chaos_checks as checks
from tests.support.chaos_load import Load
from tests.support.chaos_stack import HAS_INBOUND_WORKER, Stack
from tests.support.pg_cluster import PgCluster
from tests.support.provider_stub import serve_in_thread
from tests.support.servers import free_port

REDIS_URL = "redis://127.0.0.1:6379/15"
OUR_NUMBER = "+15005550006"
AUTH_TOKEN = "chaos-twilio-token"
RASA_TOKEN = "chaos-rasa-token"
PHASE_SECONDS = 12  # load between two faults
TAKEOVER_SECONDS = 30  # the bound for a standby scheduler to take over
QUIET_SECONDS = 180  # how long the system may take to settle once the load stops


def _phase(seconds: float = PHASE_SECONDS) -> None:
    time.sleep(seconds)  # the load runs meanwhile: this is the time between two faults


def _wait(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.5)  # polling other processes' state
    raise AssertionError(f"{what}: not within {seconds:.0f} s")


def _settles(predicate, seconds: float) -> bool:
    try:
        _wait(predicate, seconds, "the system settles")
    except AssertionError:
        return False
    return True


def _environment(pg: PgCluster, stub_url: str, tmp: Path) -> dict[str, str]:
    (tmp / "prometheus").mkdir()
    return {
        "DATABASE_URL": pg.url,
        "SECRET_KEY": TEST_SECRET,
        "TWILIO_ACCOUNT_SID": "AC" + "3" * 32,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_API_BASE_URL": stub_url,
        "TWILIO_SMS_FROM": OUR_NUMBER,
        "RASA_TOKEN": RASA_TOKEN,
        "RASA_TIMEOUT_SECONDS": "10",
        "RASA_TELEMETRY_ENABLED": "false",
        "REDIS_URL": REDIS_URL,
        "OUTBOX_STALE_SECONDS": "15",  # a killed dispatcher's claims settle within the run
        "REMINDER_INTERVAL_SECONDS": "5",
        "DISPATCH_INTERVAL_SECONDS": "1",
        "DISPATCH_WORKERS": "4",
        "INBOUND_SPOOL_DIR": str(tmp / "spool"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp / "prometheus"),
        "LOG_FORMAT": "json",
        "SANIC_HOST": "127.0.0.1",
        "INBOUND_TURNS": "worker" if HAS_INBOUND_WORKER else "inline",
    }


def _leader_pid(engine) -> int | None:
    with Session(engine) as session:
        leader = current_leader(session, clock.now())
        return leader.pid if leader else None


def _settled(engine, load: Load, spool: Path) -> bool:
    if spool.exists() and any(spool.iterdir()):
        return False  # spooled while the database restarted: the scheduler replays them
    with Session(engine) as session:
        busy = session.scalar(
            select(func.count(OutboxItem.id)).where(
                (OutboxItem.status == "sending")
                | ((OutboxItem.status == "pending") & (OutboxItem.not_before <= clock.now()))
            )
        )
        if busy:
            return False
        counts = checks.Counts()
        checks.check_inbound(session, load.sids, counts)
        return counts.losses == 0


def _snapshot(engine, stack: Stack, load: Load) -> dict[str, tuple[dict, str]]:
    """Rasa's memory of a few conversations with bot turns; their borrowers go quiet meanwhile,
    so nothing but the restart can change it."""
    with Session(engine) as session:
        rows = session.execute(
            select(Conversation.public_id, Conversation.address)
            .where(Conversation.id.in_(select(BotTurn.conversation_id)))
            .limit(5)
        ).all()
    load.quiet.update(address for _, address in rows)
    states = {}
    for public_id, address in rows:
        state = checks.tracker_state(stack.rasa_url, RASA_TOKEN, public_id)
        if state is not None:
            states[public_id] = (state, address)
    return states


@pytest.mark.timeout(1800)  # a few minutes of load, plus Rasa loading its model twice
def test_nothing_is_sent_twice_or_lost_through_kills_and_a_database_restart(tmp_path, capsys):
    redis.Redis.from_url(REDIS_URL).flushdb()  # the limiter's counters of an earlier run
    pg = PgCluster().start()
    stub = serve_in_thread(free_port(), 0.05)
    stack: Stack | None = None
    counts = checks.Counts()
    try:
        upgrade(pg.url)
        engine = engine_for(pg.url)
        stack = Stack(_environment(pg, f"http://127.0.0.1:{stub.server_port}", tmp_path))
        stack.env["PUBLIC_BASE_URL"] = stack.web_url
        stack.rasa(wait=False)
        stack.actions()
        stack.web()
        for name in ("dispatcher-1", "dispatcher-2", "scheduler-1"):
            getattr(stack, name.split("-")[0])(name)
        if HAS_INBOUND_WORKER:
            stack.inbound_worker("inbound-1")
            stack.inbound_worker("inbound-2")
        first_leader = _wait(lambda: _leader_pid(engine), 60, "a scheduler leads")
        stack.scheduler("scheduler-2")  # the standby
        stack.rasa_ready()
        load = Load(pg.url, stack.web_url, AUTH_TOKEN, OUR_NUMBER)
        for _ in range(8):
            load.add_borrower()
        load.start()
        _phase()

        stack.kill_web_worker()
        counts.kills += 1
        _phase()

        stack.kill("dispatcher-1")
        counts.kills += 1
        stack.dispatcher("dispatcher-3")
        _phase()

        if HAS_INBOUND_WORKER:  # a bot turn in flight on it is taken over by the other worker
            stack.kill("inbound-1")
            counts.kills += 1
            stack.inbound_worker("inbound-3")
            _phase()

        killed = stack.name_of(first_leader)
        assert killed is not None, "the leader is one of the scheduler processes"
        stack.kill(killed)
        counts.kills += 1
        died = time.monotonic()
        new_leader = _wait(
            lambda: (pid := _leader_pid(engine)) not in (None, first_leader) and pid,
            TAKEOVER_SECONDS,
            "the standby scheduler takes over",
        )
        takeover = time.monotonic() - died
        assert stack.name_of(new_leader) is not None
        stack.scheduler("scheduler-3")  # a new standby
        _phase()

        before = _snapshot(engine, stack, load)
        stack.kill("rasa")
        counts.kills += 1
        _phase(5)  # inbound meanwhile: the borrower is told the bot is unavailable
        stack.rasa()
        after = {pid: checks.tracker_state(stack.rasa_url, RASA_TOKEN, pid) for pid in before}
        counts.forgotten_conversations = sum(
            1 for pid, (state, _) in before.items() if after[pid] != state
        )
        load.quiet.clear()
        _phase()

        stack.kill("actions")
        counts.kills += 1
        _phase(5)
        stack.actions()
        _phase()

        pg.restart()  # inbound meanwhile is spooled; claims and leases recover
        counts.restarts += 1
        _phase()

        load.stop()
        spool = tmp_path / "spool"
        settled = _settles(lambda: _settled(engine, load, spool), QUIET_SECONDS)
        with Session(engine) as session:
            checks.check_sends(session, stub.received, counts)
            checks.check_inbound(session, load.sids, counts)
            chain_ok = checks.audit_verifies(session)
        counts.inbound_retries = load.retries
    finally:
        if stack is not None:
            stack.stop_all()
        stub.stop()
        pg.stop()
    with capsys.disabled():
        print(f"\n{counts.line()} takeover_seconds={takeover:.1f} audit_chain_ok={chain_ok}")
        if counts.lost_inbound:
            print(f"chaos: inbound logged but never answered (MessageSid): {counts.lost_inbound}")
        if not checks.persistent_tracker_store():
            print(
                "chaos: Rasa keeps conversations in memory on this branch: "
                f"{counts.forgotten_conversations} of {len(before)} forgot their state"
            )

    assert settled, "the system settles: nothing left sending or due, every inbound answered"
    assert not load.unacked, f"inbound never acknowledged: {load.unacked}"
    assert counts.duplicates == 0
    assert counts.losses == 0, counts.lost_inbound
    assert counts.cap_breaches == 0
    assert chain_ok, "the audit chain verifies"
    assert counts.reminders_sent > 0 and counts.inbound_logged == counts.inbound
    if checks.persistent_tracker_store():
        assert counts.forgotten_conversations == 0
