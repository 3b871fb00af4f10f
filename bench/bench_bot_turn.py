"""Benchmark one bot turn: through the signed Twilio webhook vs Rasa's REST channel directly.

    .venv/bin/python bench/bench_bot_turn.py            # print the figures
    .venv/bin/python bench/bench_bot_turn.py --write    # also update "## Bot turn latency" in
                                                        # docs/benchmarks.md (other sections kept)

Starts the real action server and Rasa (the model `make train` built) on free loopback ports,
with a fresh SQLite database, and the Flask app in-process (demo mode: the sandbox channel stands
in for Twilio, so no network call leaves the machine). Each round sends the same message twice,
in alternating order: once as a signed Twilio webhook (signature check, dedupe, message log,
keyword check, Rasa, contact-policy check and send of each reply, turn log), once straight to
Rasa's REST channel with the same kind of conversation. Messages rotate over intents that run
an action (payment methods), a rule response (greeting) and a fallback, each in a conversation
of its own number so the trackers stay short, like real SMS conversations.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from outreach import create_app  # noqa: E402
from outreach.conversations.rasa_stores import tracker_store_url  # noqa: E402
from outreach.migrate import upgrade  # noqa: E402
from tests.conftest import PUBLIC_BASE_URL, make_settings  # noqa: E402
from tests.support import servers  # noqa: E402
from tests.support.factories import make_borrower  # noqa: E402
from tests.support.twilio_signing import signed_post  # noqa: E402

MESSAGES = ("how can i pay", "hi", "thanks", "como puedo pagar")
HEADING = "## Bot turn latency"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


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
    return f"{os.cpu_count()} CPUs (nproc), {model or 'unknown CPU'}, Python {platform.python_version()}"


def run(rounds: int) -> dict[str, list[float]]:
    tmp = Path(tempfile.mkdtemp(prefix="bench-bot-"))
    url = f"sqlite:///{tmp / 'bench.sqlite'}"
    upgrade(url)
    action_port, rasa_port = servers.free_port(), servers.free_port()
    action_url, rasa_url = f"http://127.0.0.1:{action_port}", f"http://127.0.0.1:{rasa_port}"
    token = "bench-token"
    env = {
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-secret-key-0123456789abcdef",
        "SANIC_HOST": "127.0.0.1",
        "ACTION_ENDPOINT_URL": action_url + "/webhook",
        "RASA_TELEMETRY_ENABLED": "false",
        "RASA_TOKEN": token,  # bot/serve.py reads it from the environment, never argv
        # Rasa's SQL tracker store (issue 19), in the bench database, as `make run` does.
        "RASA_TRACKER_URL": tracker_store_url(url),
    }
    times: dict[str, list[float]] = {"webhook": [], "rasa": []}
    with (
        servers.process(
            "bench-actions",
            servers.action_server_args(action_port),
            action_url + "/health",
            env=env,
            timeout=90,
        ),
        servers.process(
            "bench-rasa",
            servers.rasa_args(rasa_port),
            rasa_url + "/",
            env=env,
            cwd=REPO / "bot",
            timeout=240,
        ),
    ):
        settings = make_settings(
            url, RASA_URL=rasa_url, RASA_TOKEN=token, ACTION_SERVER_URL=action_url
        )
        app = create_app(settings)
        app.config.update(TESTING=True)
        client = app.test_client()
        sids = itertools.count(1)
        with app.extensions["sessions"]() as session:
            numbers = []
            for i, _ in enumerate(MESSAGES):
                number = f"+1312555{1000 + i:04d}"
                make_borrower(session, phone=number, external_id=f"B-bench-{i}")
                numbers.append(number)

        def webhook(number: str, text: str) -> None:
            resp = signed_post(
                client,
                "/webhooks/twilio/sms",
                {
                    "MessageSid": f"SM{next(sids):032d}",
                    "From": number,
                    "To": "+15005550006",
                    "Body": text,
                },
                token=settings.sandbox_auth_token,
                base_url=PUBLIC_BASE_URL,
            )
            assert resp.status_code == 200, resp.status_code

        def direct(sender: str, text: str) -> None:
            resp = requests.post(
                f"{rasa_url}/webhooks/rest/webhook",
                json={"sender": sender, "message": text, "metadata": {"language": "en"}},
                timeout=30,
            )
            assert resp.ok, resp.status_code

        for number, text in zip(numbers, MESSAGES, strict=True):  # warm-up: sessions, caches
            webhook(number, text)
            direct(f"direct-{number}", text)
        for r in range(rounds):
            i = r % len(MESSAGES)
            number, text = numbers[i], MESSAGES[i]
            calls = [
                ("webhook", webhook, (number, text)),
                ("rasa", direct, (f"direct-{number}", text)),
            ]
            for name, call, call_args in calls if r % 2 == 0 else reversed(calls):
                started = time.perf_counter()
                call(*call_args)
                times[name].append((time.perf_counter() - started) * 1000)
    return times


def report(times: dict[str, list[float]], rounds: int) -> str:
    w50, w95 = percentile(times["webhook"], 0.5), percentile(times["webhook"], 0.95)
    r50, r95 = percentile(times["rasa"], 0.5), percentile(times["rasa"], 0.95)
    ratio = w95 / r95
    verdict = "within" if ratio <= 1.5 else "NOT within"
    return (
        f"{HEADING}\n\n"
        f"Command: `.venv/bin/python bench/bench_bot_turn.py --rounds {rounds} --write`\n"
        f"Machine: {machine()}; load average {os.getloadavg()[0]:.2f} (shared VM).\n\n"
        f"{rounds} turns each, alternating, messages rotating over {', '.join(MESSAGES)} "
        "(an action, rule responses, Spanish), one conversation per number, SQLite, "
        "sandbox channel (no network), real Rasa 3.6 + action server on loopback.\n\n"
        "| path | p50 ms | p95 ms | mean ms |\n|---|---|---|---|\n"
        f"| Twilio webhook (signed) -> app -> Rasa -> replies | {w50:.1f} | {w95:.1f} | "
        f"{statistics.mean(times['webhook']):.1f} |\n"
        f"| Rasa REST channel directly | {r50:.1f} | {r95:.1f} | "
        f"{statistics.mean(times['rasa']):.1f} |\n\n"
        f"p95 ratio webhook / Rasa: {ratio:.2f} ({verdict} the 1.5x target). The app's share "
        f"at the median: {w50 - r50:.1f} ms per turn (signature, dedupe, message log, audit, "
        "keyword check, a contact-policy decision and a logged send per reply, the turn log).\n"
    )


def write(section: str) -> None:
    path = REPO / "docs" / "benchmarks.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = (
        pattern.sub(section + "\n", text)
        if pattern.search(text)
        else (text.rstrip("\n") + "\n\n" + section)
    )
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    section = report(run(args.rounds), args.rounds)
    print(section)
    if args.write:
        write(section)


if __name__ == "__main__":
    main()
