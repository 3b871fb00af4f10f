"""Inbound load: many borrowers answering at once through signed Twilio webhooks (issue 19).

    .venv/bin/python bench/bench_inbound_load.py                 # stand-in Rasa, print figures
    .venv/bin/python bench/bench_inbound_load.py --rasa real     # the real Rasa + action server
    .venv/bin/python bench/bench_inbound_load.py --write         # also update docs/benchmarks.md

Starts, on free loopback ports: a fresh PostgreSQL database (``--pg``), gunicorn with the
Procfile's formation (2 workers x 4 threads, ``INBOUND_TURNS=worker``), the inbound worker
process (``inbound_worker.py``) and 1, then 2, Rasa servers (``RASA_URLS``). Rasa is either the
real server with the trained model (SQL tracker store in the bench database, schema ``rasa``) or
a stand-in that, like one Rasa process, answers one turn at a time in ``--service-ms`` (default
80 ms: the real server's median REST turn in "Bot turn latency") and echoes the text, so the
order of the answers shows.

First the rate one Rasa server sustains is measured (a burst straight at its REST channel,
8 at a time). Then, for each server count and each load (1x, 5x, 10x that rate), ``--borrowers``
borrowers send ``--seconds`` worth of messages, open loop (each send is scheduled; a late send is
measured from its scheduled instant, so a stalled client does not hide a stalled server), from
a bounded thread pool (``--clients``). Measured: webhook acknowledgement p50/p95/p99, bot turns
per second (replies logged per second while the queue drains), reply latency p95 (scheduled
send to reply row), whether every message was stored and answered exactly once, and whether
each borrower's answers came in the order of their messages.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests
from sqlalchemy import create_engine, make_url, text
from twilio.request_validator import RequestValidator

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from outreach.conversations.rasa_stores import tracker_store_url  # noqa: E402
from outreach.migrate import upgrade  # noqa: E402
from outreach.settings import Settings  # noqa: E402
from tests.support import servers  # noqa: E402

# One section per Rasa kind, each replaced by its own --write.
HEADINGS = {
    "fake": "## Inbound load (webhooks, inbound queue, 1 and 2 Rasa servers)",
    "real": "## Inbound load with the real Rasa and action server",
}
SECRET = "bench-secret-key-0123456789abcdef0123456789"
TOKEN = "bench-rasa-token-0123456789abcdef"
PUBLIC = "https://bench.example"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class StandInRasa:
    """One Rasa process's capacity: one turn at a time, ``service`` seconds each, text echoed."""

    def __init__(self, service: float) -> None:
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self._answer({"version": "stand-in"})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"] or 0)))
                if self.path.startswith("/webhooks/rest/webhook"):
                    with lock:  # CPU-bound like Rasa's NLU: turns do not overlap
                        time.sleep(service)
                    summary = {"intent": "inform", "confidence": 0.9, "actions": []}
                    self._answer(
                        [{"text": f"re: {body['message']}"}, {"custom": {"turn": summary}}]
                    )
                else:
                    self._answer({})

            def _answer(self, payload: object) -> None:
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def create_database(pg: str) -> str:
    admin = create_engine(pg, isolation_level="AUTOCOMMIT")
    name = f"outreach_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(pg).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    return url


def drop_database(pg: str, url: str) -> None:
    admin = create_engine(pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


@contextlib.contextmanager
def started(name: str, args: list[str], ready: str | None, env: dict[str, str], **kw):
    log = open(REPO / "test-artifacts" / "logs" / f"bench-{name}.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        args, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, **{"cwd": REPO, **kw}
    )
    try:
        if ready:
            servers.wait_for(ready, proc, 300, Path(log.name))
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def sustained_rate(url: str, turns: int = 80) -> float:
    """Turns per second one Rasa server answers when kept busy (8 requests in flight)."""

    def one(n: int) -> None:
        requests.post(
            f"{url}/webhooks/rest/webhook",
            json={"sender": f"rate{n % 40:04d}{uuid.uuid4().hex[:6]}", "message": "hi"},
            timeout=60,
        ).raise_for_status()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(8)))  # warm up
        began = time.perf_counter()
        list(pool.map(one, range(turns)))
    return turns / (time.perf_counter() - began)


REAL_TEXTS = ("hi", "how can i pay", "thanks", "como puedo pagar")


def run_level(
    web: str,
    db_url: str,
    auth_token: str,
    rate: float,
    seconds: float,
    borrowers: int,
    clients: int,
    level: int,
) -> dict[str, object]:
    """Offer ``rate`` messages/s for ``seconds``; wait for every turn; the figures.

    Accounting goes by MessageSid (each level's SIDs share a prefix) and the turn log
    (``bot_turns``: one row per message the bot answered), so it holds for the real Rasa too."""
    tag = uuid.uuid4().hex[:8]
    total = max(1, round(rate * seconds))
    validator = RequestValidator(auth_token)
    numbers = [f"+1312{level:02d}{n:05d}" for n in range(borrowers)]
    url = PUBLIC + "/webhooks/twilio/sms"
    plan = []
    for n in range(total):  # forms and signatures made before the clock starts
        form = {
            "MessageSid": f"SM{tag}{n:024x}",
            "From": numbers[n % borrowers],
            "To": "+15005550006",
            "Body": REAL_TEXTS[n % len(REAL_TEXTS)],
        }
        plan.append((n / rate, form, validator.compute_signature(url, form)))
    acks: list[float] = []
    sent_at: dict[str, float] = {}
    failures: list[object] = []
    local = threading.local()

    def send(at: float, form: dict[str, str], signature: str, start: float) -> None:
        session = getattr(local, "s", None) or requests.Session()
        local.s = session
        scheduled = start + at
        sent_at[form["MessageSid"]] = time.time() - (time.perf_counter() - scheduled)
        try:
            resp = session.post(
                f"{web}/webhooks/twilio/sms",
                data=form,
                headers={"X-Twilio-Signature": signature},
                timeout=30,
            )
            if resp.status_code != 200:
                failures.append(resp.status_code)
        except requests.RequestException as exc:
            failures.append(type(exc).__name__)
        acks.append(time.perf_counter() - scheduled)

    with ThreadPoolExecutor(clients) as pool:
        start = time.perf_counter() + 0.2
        for at, form, signature in plan:
            delay = start + at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(send, at, form, signature, start)
    offered_end = time.time()
    engine = create_engine(db_url)
    query = text(
        "SELECT m.provider_sid, m.conversation_id, m.id, t.id, t.created_at FROM messages m "
        "LEFT JOIN bot_turns t ON t.message_id = m.id "
        "WHERE m.direction = 'in' AND m.provider_sid LIKE :t ORDER BY m.id, t.id"
    )
    deadline = time.time() + 900
    while True:
        with engine.connect() as conn:
            rows = conn.execute(query, {"t": f"SM{tag}%"}).all()
        if sum(1 for r in rows if r[3] is not None) >= total or time.time() > deadline:
            break
        time.sleep(0.5)
    engine.dispose()
    turns = [r for r in rows if r[3] is not None]
    stored = len({r[2] for r in rows})
    per_message = defaultdict(int)
    per_conversation = defaultdict(list)
    latencies = []
    for sid, conversation_id, _message_id, turn_id, created in turns:
        per_message[sid] += 1
        per_conversation[conversation_id].append(turn_id)  # rows come in message order
        created = created if created.tzinfo else created.replace(tzinfo=UTC)
        latencies.append(created.timestamp() - sent_at[sid])
    times = sorted((r[4] if r[4].tzinfo else r[4].replace(tzinfo=UTC)).timestamp() for r in turns)
    span = times[-1] - times[0] if len(times) > 1 else 0
    return {
        "offered": rate,
        "messages": total,
        "stored": stored,
        "answered": len(per_message),
        "answered_once": len(per_message) == total and set(per_message.values()) == {1},
        "in_order": all(ids == sorted(ids) for ids in per_conversation.values()),
        "failures": len(failures),
        "ack_p50": percentile(acks, 0.5),
        "ack_p95": percentile(acks, 0.95),
        "ack_p99": percentile(acks, 0.99),
        "turns_per_s": (len(times) - 1) / span if span else float("nan"),
        "reply_p95": percentile(latencies, 0.95),
        "drain_after_s": times[-1] - offered_end if times else float("nan"),
    }


def run(args: argparse.Namespace) -> tuple[list[dict[str, object]], float, str]:
    (REPO / "test-artifacts" / "logs").mkdir(parents=True, exist_ok=True)
    db_url = create_database(args.pg)
    stand_ins: list[StandInRasa] = []
    stack = contextlib.ExitStack()
    results: list[dict[str, object]] = []
    try:
        env = {
            "DATABASE_URL": db_url,
            "SECRET_KEY": SECRET,
            "PUBLIC_BASE_URL": PUBLIC,
            "RASA_TOKEN": TOKEN,
            "RASA_TELEMETRY_ENABLED": "false",
            "RASA_TIMEOUT_SECONDS": "30",
            "INBOUND_TURNS": "worker",
        }
        auth_token = Settings.from_env(env).sandbox_auth_token
        urls = []
        if args.rasa == "fake":
            stand_ins = [StandInRasa(args.service_ms / 1000) for _ in range(max(args.servers))]
            urls = [s.url for s in stand_ins]
        else:
            action_port = servers.free_port()
            rasa_env = {
                **env,
                "SANIC_HOST": "127.0.0.1",
                "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
                "RASA_TRACKER_URL": tracker_store_url(db_url),
            }
            stack.enter_context(
                started(
                    "actions",
                    servers.action_server_args(action_port),
                    f"http://127.0.0.1:{action_port}/health",
                    rasa_env,
                )
            )
            for n in range(max(args.servers)):
                port = servers.free_port()
                stack.enter_context(
                    started(
                        f"rasa{n}",
                        servers.rasa_args(port),
                        f"http://127.0.0.1:{port}/",
                        rasa_env,
                        cwd=REPO / "bot",
                    )
                )
                urls.append(f"http://127.0.0.1:{port}")
        one_server = sustained_rate(urls[0])
        print(f"one Rasa server sustains {one_server:.1f} turns/s", flush=True)
        for count in args.servers:
            web_port = servers.free_port()
            level_env = {**env, "RASA_URLS": ",".join(urls[:count])}
            gunicorn = [
                str(REPO / ".venv/bin/gunicorn"),
                "--workers",
                "2",
                "--threads",
                "4",
                "--bind",
                f"127.0.0.1:{web_port}",
                "wsgi:app",
            ]
            with (
                started(
                    f"web{count}", gunicorn, f"http://127.0.0.1:{web_port}/console/login", level_env
                ),
                started(f"worker{count}", [sys.executable, "inbound_worker.py"], None, level_env),
            ):
                for multiple in args.multiples:
                    rate = one_server * multiple
                    figures = run_level(
                        f"http://127.0.0.1:{web_port}",
                        db_url,
                        auth_token,
                        rate,
                        args.seconds,
                        args.borrowers,
                        args.clients,
                        count * 10 + multiple,
                    )
                    figures.update(servers=count, multiple=multiple)
                    print(json.dumps(figures, default=str), flush=True)
                    results.append(figures)
        return results, one_server, db_url
    finally:
        stack.close()
        for s in stand_ins:
            s.close()
        drop_database(args.pg, db_url)


def machine() -> str:
    model = ""
    with contextlib.suppress(OSError, StopIteration):
        model = next(
            line.split(":", 1)[1].strip()
            for line in subprocess.run(
                ["lscpu"], capture_output=True, text=True
            ).stdout.splitlines()
            if line.startswith("Model name")
        )
    load = os.getloadavg()[0]
    return (
        f"{os.cpu_count()} CPUs (`nproc`), {model} (`lscpu`), Python {platform.python_version()},"
        f" PostgreSQL on loopback; load average {load:.1f} when it started (shared VM)"
    )


def report(args: argparse.Namespace, results: list[dict[str, object]], one: float) -> str:
    rasa = (
        "the real Rasa 3.6 server and action server (SQL tracker store on PostgreSQL)"
        if args.rasa == "real"
        else f"a stand-in Rasa (one turn at a time, {args.service_ms} ms each, text echoed)"
    )
    lines = [
        HEADINGS[args.rasa],
        "",
        f"Command: `.venv/bin/python bench/bench_inbound_load.py --rasa {args.rasa} "
        f"--seconds {args.seconds:g} --borrowers {args.borrowers} --clients {args.clients}` "
        "(`--write` replaces this section).",
        f"Machine: {machine()}.",
        "",
        f"gunicorn 2 workers x 4 threads, `INBOUND_TURNS=worker`, one inbound worker process "
        f"(4 threads per Rasa server, `INBOUND_WORKER_NICE={os.environ.get('INBOUND_WORKER_NICE', '10')}`),"
        f" {rasa}. One Rasa server sustained **{one:.1f} turns/s**;"
        f" each load offers that rate {', '.join(f'x{m}' for m in args.multiples)} for {args.seconds:g} s from {args.borrowers} "
        f"borrowers (open loop, {args.clients} client threads).",
        "",
        "| Rasa servers | load | messages | webhook ack p50 / p95 / p99 ms | bot turns/s "
        "| reply p95 s | stored / answered once / in order |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        ok = (
            f"{r['stored']}/{r['messages']} / {'yes' if r['answered_once'] else 'NO'} / "
            f"{'yes' if r['in_order'] else 'NO'}"
        )
        lines.append(
            f"| {r['servers']} | x{r['multiple']} ({r['offered']:.0f}/s) | {r['messages']} | "
            f"{r['ack_p50'] * 1000:.0f} / {r['ack_p95'] * 1000:.0f} / {r['ack_p99'] * 1000:.0f} "
            f"| {r['turns_per_s']:.1f} | {r['reply_p95']:.1f} | {ok} |"
        )
    worst = max(r["ack_p99"] for r in results) * 1000
    lines += [
        "",
        f"Target: webhook p99 under 1 s at every load: worst p99 here {worst:.0f} ms "
        f"({'met' if worst < 1000 else 'NOT met'}). Failed webhook requests: "
        f"{sum(int(r['failures']) for r in results)}.",
        "",
    ]
    return "\n".join(lines)


def write(heading: str, section: str) -> None:
    path = REPO / "docs" / "benchmarks.md"
    doc = path.read_text()
    if heading in doc:
        head, rest = doc.split(heading, 1)
        tail = rest.split("\n## ", 1)
        doc = head + section + ("\n## " + tail[1] if len(tail) > 1 else "")
    else:
        doc = doc.rstrip("\n") + "\n\n" + section
    path.write_text(doc)


def _counts(raw: str) -> tuple[int, ...]:
    """'1,2' -> (1, 2): positive whole numbers, comma-separated."""
    try:
        values = tuple(int(part) for part in raw.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"whole numbers separated by commas, got {raw!r}"
        ) from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"numbers above 0, got {raw!r}")
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rasa", choices=("fake", "real"), default="fake")
    parser.add_argument("--service-ms", type=int, default=80)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--borrowers", type=int, default=200)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument(
        "--servers", type=_counts, default=(1, 2), help="Rasa server counts, e.g. 1,2"
    )
    parser.add_argument(
        "--multiples", type=_counts, default=(1, 5, 10), help="loads as multiples of one server"
    )
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    results, one, _ = run(args)
    section = report(args, results, one)
    print(section)
    if args.write:
        write(HEADINGS[args.rasa], section)


if __name__ == "__main__":
    main()
