"""A real SFTP server for the tests: Debian's OpenSSH ``sshd`` on a free localhost port.

Everything it needs is generated in a temporary folder: an Ed25519 host key, a client key
whose public half is the only authorized key, and an ``sshd_config`` that serves SFTP
(``internal-sftp``) to the current user by key only. No system configuration is read (``-f``)
and nothing outside the folder is written, except that sshd (as root) insists on its
privilege-separation directory ``/run/sshd``, which ``make setup-test`` creates.
"""

from __future__ import annotations

import getpass
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.support import servers

SSHD = Path("/usr/sbin/sshd")


@dataclass
class SftpServer:
    port: int
    user: str
    client_key: str  # the private key text (what FILE_DROP_SFTP_KEY holds)
    host_key: str  # "ssh-ed25519 AAAA..." (what FILE_DROP_SFTP_HOST_KEY holds)
    root: Path  # a folder the test may use as the drop

    def url(self, path: Path) -> str:
        return f"sftp://{self.user}@127.0.0.1:{self.port}{path}"

    def env(self) -> dict[str, str]:
        return {"FILE_DROP_SFTP_KEY": self.client_key, "FILE_DROP_SFTP_HOST_KEY": self.host_key}


def keypair() -> tuple[str, str]:
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )
    return private, public


def _wait_for_banner(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"sshd exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
                if sock.recv(64).startswith(b"SSH-2.0-"):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"sshd did not answer on port {port}; see {log}")


@contextmanager
def sftp_server(base: Path) -> Iterator[SftpServer]:
    """sshd serving SFTP on 127.0.0.1 for the duration of the block."""
    if not SSHD.exists():
        raise RuntimeError(
            "sshd is missing: run `make setup-test` (installs Debian's openssh-server)"
        )
    if os.geteuid() == 0 and not Path("/run/sshd").is_dir():
        raise RuntimeError("/run/sshd is missing: run `make setup-test` (sshd needs it as root)")
    conf = base / "sshd"
    conf.mkdir(parents=True, exist_ok=True)
    host_private, host_public = keypair()
    client_private, client_public = keypair()
    (conf / "host_ed25519").write_text(host_private)
    (conf / "host_ed25519").chmod(0o600)
    (conf / "authorized_keys").write_text(client_public + "\n")
    (conf / "authorized_keys").chmod(0o600)
    user = getpass.getuser()
    port = servers.free_port()
    (conf / "sshd_config").write_text(
        "\n".join(
            [
                f"Port {port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {conf / 'host_ed25519'}",
                f"PidFile {conf / 'sshd.pid'}",
                f"AuthorizedKeysFile {conf / 'authorized_keys'}",
                f"AllowUsers {user}",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "UsePAM no",
                # The temporary folders' owners and modes are pytest's, not a home directory's.
                "StrictModes no",
                "Subsystem sftp internal-sftp",
                "LogLevel VERBOSE",
                "",
            ]
        )
    )
    root = base / "srv"
    root.mkdir(exist_ok=True)
    servers.LOGS.mkdir(parents=True, exist_ok=True)
    log = servers.LOGS / "sshd.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(SSHD), "-D", "-e", "-f", str(conf / "sshd_config")],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_for_banner(port, proc, log)
            yield SftpServer(port, user, client_private, host_public, root)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
