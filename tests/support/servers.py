"""Start the real collaborators tests talk to: Prism, Rasa, the action server, a live web app."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
# ../shared next to the checkout; a worktree under wt/ finds it one level further up.
SHARED = next(
    (p / "shared" for p in ROOT.parents if (p / "shared" / "twilio-oai").is_dir()),
    ROOT.parent / "shared",
)
LOGS = ROOT / "test-artifacts" / "logs"
# The servers started by `process`, by name, while they run (tests look at their pids).
RUNNING: dict[str, subprocess.Popen[bytes]] = {}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"{url} exited with {proc.returncode}; see {log}:\n" + log.read_text()[-3000:]
            )
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s; see {log}")


@contextmanager
def process(
    name: str,
    args: list[str],
    ready_url: str,
    *,
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
    timeout: float = 120,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server for the duration of the block, logging to test-artifacts/logs/<name>.log."""
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"{name}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            args,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
        try:
            wait_for(ready_url, proc, timeout, log)
            RUNNING[name] = proc
            yield proc
        finally:
            RUNNING.pop(name, None)
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def prism_args(port: int, spec: str = "twilio_api_v2010.json") -> list[str]:
    prism = ROOT / "node_modules" / ".bin" / "prism"
    if not prism.exists():
        raise RuntimeError("Prism is missing: run `make test` (it runs `npm ci`)")
    return [
        str(prism),
        "mock",
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        str(SHARED / "twilio-oai" / spec),
    ]


def rasa_args(port: int) -> list[str]:
    """`rasa run` through bot/serve.py: the API token comes from RASA_TOKEN in the environment,
    never from these arguments (they are readable in /proc/<pid>/cmdline)."""
    python = ROOT / "bot" / ".venv" / "bin" / "python"
    models = ROOT / "bot" / "models"
    if not python.exists() or not any(models.glob("*.tar.gz")):
        raise RuntimeError("Rasa or its trained model is missing: run `make test`")
    return [
        str(python),
        str(ROOT / "bot" / "serve.py"),
        "-i",
        "127.0.0.1",
        "-p",
        str(port),
        "--model",
        str(models),
        "--endpoints",
        "endpoints.yml",
        "--credentials",
        "credentials.yml",
    ]


def action_server_args(port: int) -> list[str]:
    return [
        str(ROOT / ".venv" / "bin" / "python"),
        "-m",
        "rasa_sdk",
        "--actions",
        "bot.actions",
        "--port",
        str(port),
    ]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise RuntimeError("Chromium is missing: run `make test` (installs Debian's chromium)")
    return path


class LiveServer:
    """The Flask app served by werkzeug in a thread, for browser tests."""

    def __init__(self, app, port: int) -> None:
        from werkzeug.serving import make_server

        self.url = f"http://127.0.0.1:{port}"
        self._server = make_server("127.0.0.1", port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)


class SwitchableProxy:
    """An HTTP forwarder that can be switched off: put between Rasa and the action server, a
    test takes the action server "down" (connections refused, as when its process is gone)
    without stopping the shared one, and brings it back for the next test."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.target = ""  # set once the real server runs
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Forward(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def _forward(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                resp = requests.request(
                    method,
                    proxy.target + self.path,
                    data=self.rfile.read(length) if length else None,
                    headers={"Content-Type": self.headers.get("Content-Type", "")},
                    timeout=60,
                )
                self.send_response(resp.status_code)
                self.send_header("Content-Type", resp.headers.get("Content-Type", ""))
                self.send_header("Content-Length", str(len(resp.content)))
                self.end_headers()
                self.wfile.write(resp.content)

            def do_GET(self) -> None:
                self._forward("GET")

            def do_POST(self) -> None:
                self._forward("POST")

        return Forward

    def up(self) -> None:
        """Listen again (on the same port); nothing happens when already listening."""
        if self._server is not None:
            return
        server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()

    def down(self) -> None:
        """Stop listening: callers get "connection refused"."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=10)

    @contextmanager
    def switched_off(self) -> Iterator[None]:
        self.down()
        try:
            yield
        finally:
            self.up()
