"""A dispatcher process: outbox passes in a loop, as many replicas as the send volume needs.

Run with ``python dispatcher.py`` (``Procfile.scale`` starts two). Dispatchers are stateless
replicas on the shared database (issue 19): claims are atomic (``FOR UPDATE SKIP LOCKED``) and
serialised per borrower (``outreach.outbox.borrower_locks``), so any number hold the frequency
caps and never send one row twice; a killed one's claims are reconciled by the next pass after
``OUTBOX_STALE_SECONDS``. The scheduler's own ``dispatch`` job may keep running beside them.
``DISPATCH_INTERVAL_SECONDS`` (default 5) is the pause after a pass that found nothing due.
SIGTERM lets the pass in progress finish.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
from typing import Any

from outreach import clock, logs
from outreach.channels import ChannelRegistry
from outreach.db import session_scope
from outreach.outbox.dispatcher import dispatch
from outreach.settings import Settings

log = logging.getLogger("dispatcher")


def interval() -> float:
    try:
        return max(0.5, float(os.environ.get("DISPATCH_INTERVAL_SECONDS", "5")))
    except ValueError:
        return 5.0


def run(settings: Settings, stopping: threading.Event) -> None:
    """Pass after pass until ``stopping``; a pass that fails (the database restarting) is logged
    and the next one tries again."""
    channels = ChannelRegistry(settings)
    pause = interval()
    while not stopping.is_set():
        claimed = 0
        try:
            with session_scope(settings.database_url) as session:
                claimed = dispatch(session, settings, clock.now(), channels=channels).claimed
        except Exception as exc:  # keep serving: the next pass retries (reconcile settles rows)
            log.warning("dispatch pass failed: %s", type(exc).__name__)
        if not claimed:
            stopping.wait(pause)


def main() -> int:
    logs.configure()
    settings = Settings.from_env()
    stopping = threading.Event()

    def stop(signum: int, _frame: Any) -> None:
        log.info("signal %s: stopping after the current pass", signum)
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    log.info("dispatcher started (pid %s)", os.getpid())
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: a clean stop, not a traceback
        run(settings, stopping)
    return 0


if __name__ == "__main__":
    sys.exit(main())
