"""A throwaway PostgreSQL cluster (initdb + pg_ctl on a free port) that a test may restart.

The chaos suite restarts PostgreSQL under load; restarting the machine's own server would cut off
every other user of it, so the suite makes its own cluster from the installed server binaries
(``/usr/lib/postgresql/<version>/bin``), as the ``postgres`` user when run as root (initdb
refuses root), and removes it afterwards. The server keeps the real clock (no libfaketime).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support.servers import free_port

FAKE_CLOCK_VARS = ("LD_PRELOAD", "FAKETIME")


def server_bin() -> Path:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if not found:
        raise RuntimeError("the chaos suite needs PostgreSQL's server binaries (initdb, pg_ctl)")
    return Path(found[-1]).parent


class PgCluster:
    """``start()``, ``restart()``, ``stop()``; ``url`` of its ``chaos`` database."""

    def __init__(self) -> None:
        self.port = free_port()
        self.bin = server_bin()
        self.root = Path(tempfile.mkdtemp(prefix="outreach-chaos-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/chaos"

    def _run(self, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if k not in FAKE_CLOCK_VARS}
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, env=env, capture_output=True, timeout=120)

    def start(self) -> PgCluster:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self._pg_ctl("start")
        self._run(
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-c",
            "CREATE DATABASE chaos",
        )
        return self

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", *extra, action
        )

    def restart(self) -> None:
        """As a crash would: no clean shutdown (``-m immediate``), recovery on the way up."""
        self._pg_ctl("restart", "-m", "immediate")

    def stop(self) -> None:
        try:
            self._pg_ctl("stop", "-m", "immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
