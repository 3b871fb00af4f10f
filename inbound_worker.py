"""The inbound worker process: runs the bot turns the Twilio webhooks queued (issue 19).

Run with ``python inbound_worker.py`` (the Procfile's ``worker``). ``INBOUND_WORKER_THREADS``
sets the threads (default: one per Rasa call slot). ``INBOUND_WORKER_NICE`` (default 10, 0 to 19)
lowers its CPU priority: on a machine it shares with the web workers, a reply blast's bot turns
wait a little, and the webhooks Twilio times out after 15 s do not (docs/benchmarks.md, "Inbound
load"); on a machine of its own it changes nothing. SIGTERM and Ctrl-C stop it once the turns in
hand are done; kill -9 is safe (``outreach/conversations/inbound_queue.py``).
"""

from __future__ import annotations

import os
import signal
import sys
import threading

from outreach import logs
from outreach.channels import ChannelRegistry
from outreach.conversations.inbound_worker import run
from outreach.conversations.rasa_client import RasaClient
from outreach.settings import Settings, SettingsError


def main() -> None:
    logs.configure()
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        sys.exit(str(exc))
    raw = os.environ.get("INBOUND_WORKER_THREADS", "")
    if raw and not (raw.isdigit() and int(raw) > 0):
        sys.exit(f"INBOUND_WORKER_THREADS: a number of threads above 0, got {raw!r}")
    nice = os.environ.get("INBOUND_WORKER_NICE", "10")
    if not (nice.isdigit() and int(nice) <= 19):
        sys.exit(f"INBOUND_WORKER_NICE: a niceness from 0 to 19, got {nice!r}")
    os.nice(int(nice))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threads = run(
        settings,
        RasaClient.from_settings(settings),
        ChannelRegistry(settings),
        stop,
        int(raw) if raw else None,
    )
    stop.wait()
    for thread in threads:
        thread.join(timeout=settings.rasa_timeout_seconds * 4)


if __name__ == "__main__":
    main()
