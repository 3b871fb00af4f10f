"""The processes of the production topology, started for the chaos suite and killed by name.

Every process is real and started the way ``Procfile.scale`` starts it: gunicorn (two workers),
dispatcher processes, scheduler processes (one leads), the action server and Rasa through
``scripts/rasa-server`` (so Rasa uses whatever tracker and lock store that script configures).
Each logs to ``test-artifacts/logs/chaos-<name>.log``. ``kill`` is SIGKILL: no clean-up runs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.support import servers

VENV_BIN = Path(sys.executable).parent
# Bot turns of SMS run on the inbound queue's workers when the code has them (issue 19's inbound
# queue); otherwise in the webhook request.
HAS_INBOUND_WORKER = (servers.ROOT / "inbound_worker.py").exists()
RASA_START_SECONDS = 420  # loading the model on a busy two-core machine


class Stack:
    """Named processes sharing one environment (``env``)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = {**os.environ, **env}
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.web_port = servers.free_port()
        self.rasa_port = servers.free_port()
        self.actions_port = servers.free_port()
        self.web_url = f"http://127.0.0.1:{self.web_port}"
        self.rasa_url = f"http://127.0.0.1:{self.rasa_port}"
        self.actions_url = f"http://127.0.0.1:{self.actions_port}"
        self.env.update(
            RASA_URL=self.rasa_url,
            ACTION_SERVER_URL=self.actions_url,
            ACTION_ENDPOINT_URL=self.actions_url + "/webhook",
            RASA_PORT=str(self.rasa_port),
        )

    def _start(
        self, name: str, args: list[str], ready: str | None = None, timeout: float = 180
    ) -> subprocess.Popen[bytes]:
        servers.LOGS.mkdir(parents=True, exist_ok=True)
        log = servers.LOGS / f"chaos-{name}.log"
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                args,
                cwd=servers.ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.procs[name] = proc
        if ready:
            servers.wait_for(ready, proc, timeout, log)
        return proc

    def web(self) -> None:
        self._start(
            "web",
            [
                str(VENV_BIN / "gunicorn"),
                "--workers",
                "2",
                "--threads",
                "4",
                "--bind",
                f"127.0.0.1:{self.web_port}",
                "--logger-class",
                "outreach.web.access_log.AccessLogger",
                "wsgi:app",
            ],
            self.web_url + "/login",  # /healthz says 503 until Rasa is up: not what we wait for
        )

    def web_workers(self) -> list[int]:
        master = self.procs["web"].pid
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        return [int(pid) for pid in children]

    def kill_web_worker(self) -> None:
        """SIGKILL one gunicorn worker; the master starts another in its place."""
        os.kill(self.web_workers()[0], signal.SIGKILL)

    def dispatcher(self, name: str) -> None:
        self._start(name, [sys.executable, "dispatcher.py"])

    def inbound_worker(self, name: str) -> None:
        """The inbound queue's worker (``inbound_worker.py``), where the branch has one."""
        self._start(name, [sys.executable, "inbound_worker.py"])

    def scheduler(self, name: str) -> None:
        self._start(name, [sys.executable, "scheduler.py"])

    def actions(self) -> None:
        self._start(
            "actions",
            [*servers.action_server_args(self.actions_port)],
            self.actions_url + "/health",
        )

    def rasa(self, wait: bool = True) -> None:
        """Rasa through scripts/rasa-server; ``wait=False`` starts it and returns (it is slow to
        load its model): ``rasa_ready`` waits for it then."""
        launcher = [str(servers.ROOT / "scripts" / "rasa-server")]
        self._start("rasa", launcher, self.rasa_url + "/" if wait else None, RASA_START_SECONDS)

    def rasa_ready(self) -> None:
        log = servers.LOGS / "chaos-rasa.log"
        servers.wait_for(self.rasa_url + "/", self.procs["rasa"], RASA_START_SECONDS, log)

    def pid_of(self, name: str) -> int:
        return self.procs[name].pid

    def name_of(self, pid: int) -> str | None:
        return next((n for n, p in self.procs.items() if p.pid == pid), None)

    def kill(self, name: str) -> None:
        """SIGKILL the process (and, for Rasa's launcher script, what it exec'd into)."""
        proc = self.procs.pop(name)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def stop_all(self) -> None:
        for name in list(self.procs):
            proc = self.procs.pop(name)
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
