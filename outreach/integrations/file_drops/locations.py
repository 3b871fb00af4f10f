"""Where files are dropped: a local folder, or a folder on an SFTP server (paramiko).

Both offer the same four operations: ``entries()`` (the regular files, with size and
modification time), ``fetch(name, dest)``, ``put(name, data)`` and ``makedirs()``. ``put``
writes a hidden temporary name and renames it into place, so the lender never picks up half a
result or export file; for the same reason files the lender is still uploading should carry a
temporary name (a leading dot, or ``.part``/``.tmp``) until complete: those are never read.

SFTP: ``sftp://user@host:port/path`` (port 22 by default; the path as the server shows it),
authenticated with ``FILE_DROP_SFTP_KEY`` (the private key itself) or
``FILE_DROP_SFTP_PASSWORD``. The server must present the host key in ``FILE_DROP_SFTP_HOST_KEY``
("ssh-ed25519 AAAA...", as in known_hosts): an unknown key is refused, never trusted on first use
(a server in the middle would receive the loan book).
"""

from __future__ import annotations

import base64
import io
import os
import posixpath
import socket
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import paramiko

from outreach.settings import Settings

CONNECT_TIMEOUT = 20.0


class DropUnavailable(RuntimeError):
    """The folder or SFTP server cannot be used now; the message says which and why."""


@dataclass(frozen=True)
class Entry:
    name: str
    size: int
    mtime: int | None


class Location(Protocol):
    where: str

    def entries(self) -> list[Entry]: ...

    def fetch(self, name: str, dest: Path) -> None: ...

    def put(self, name: str, data: bytes) -> None: ...

    def makedirs(self) -> None: ...


class LocalFolder:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.where = str(self.path)

    def entries(self) -> list[Entry]:
        try:
            found = [
                Entry(p.name, st.st_size, int(st.st_mtime))
                for p in self.path.iterdir()
                if stat.S_ISREG((st := p.stat()).st_mode)
            ]
        except OSError as exc:
            raise DropUnavailable(
                f"{self.where}: cannot list the folder ({exc.strerror})"
            ) from None
        return sorted(found, key=lambda e: e.name)

    def fetch(self, name: str, dest: Path) -> None:
        try:
            with (self.path / name).open("rb") as src, dest.open("wb") as out:
                while chunk := src.read(1 << 20):
                    out.write(chunk)
        except OSError as exc:
            raise DropUnavailable(f"{self.where}/{name}: cannot read ({exc.strerror})") from None

    def put(self, name: str, data: bytes) -> None:
        temp = self.path / f".{name}.part"
        try:
            temp.write_bytes(data)
            os.replace(temp, self.path / name)
        except OSError as exc:
            raise DropUnavailable(f"{self.where}/{name}: cannot write ({exc.strerror})") from None

    def makedirs(self) -> None:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DropUnavailable(f"{self.where}: cannot create ({exc.strerror})") from None


def _private_key(text: str) -> paramiko.PKey:
    """``FILE_DROP_SFTP_KEY``: an Ed25519, ECDSA or RSA private key (OpenSSH or PEM text)."""
    text = text.replace("\\n", "\n")  # a key pasted into one environment line
    for kind in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return kind.from_private_key(io.StringIO(text))
        except (paramiko.SSHException, ValueError):
            continue
    raise DropUnavailable(
        "FILE_DROP_SFTP_KEY: not an unencrypted Ed25519, ECDSA or RSA private key"
    )


def _host_key(line: str) -> paramiko.PKey:
    """``FILE_DROP_SFTP_HOST_KEY``: "type base64" (a known_hosts line's host names are allowed)."""
    parts = line.split()
    while parts and not (parts[0].startswith("ssh-") or parts[0].startswith("ecdsa-")):
        parts = parts[1:]  # "[host]:port" and other host patterns before the key type
    try:
        return paramiko.PKey.from_type_string(parts[0], base64.b64decode(parts[1]))
    except (IndexError, ValueError, paramiko.SSHException, TypeError):
        raise DropUnavailable(
            "FILE_DROP_SFTP_HOST_KEY: expected the server's public host key, e.g. "
            "'ssh-ed25519 AAAAC3...' (ssh-keyscan prints it)"
        ) from None


class SftpFolder:
    """A folder on an SFTP server; use inside ``with folder.connected():``."""

    def __init__(self, url: str, *, password: str = "", key: str = "", host_key: str = "") -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or ""
        self.port = parts.port or 22
        self.user = unquote(parts.username or "")
        self.path = unquote(parts.path) or "."
        self.where = f"sftp://{self.user}@{self.host}:{self.port}{self.path}"
        self._password, self._key, self._host_key = password, key, host_key
        self._sftp: paramiko.SFTPClient | None = None

    @contextmanager
    def connected(self) -> Iterator[SftpFolder]:
        if not self._host_key:
            raise DropUnavailable("FILE_DROP_SFTP_HOST_KEY: required for an sftp:// drop")
        if not (self._key or self._password):
            raise DropUnavailable("FILE_DROP_SFTP_KEY or FILE_DROP_SFTP_PASSWORD: required")
        client = paramiko.SSHClient()
        known = self.host if self.port == 22 else f"[{self.host}]:{self.port}"
        server_key = _host_key(self._host_key)
        client.get_host_keys().add(known, server_key.get_name(), server_key)
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            client.connect(
                self.host,
                port=self.port,
                username=self.user,
                password=self._password or None,
                pkey=_private_key(self._key) if self._key else None,
                timeout=CONNECT_TIMEOUT,
                banner_timeout=CONNECT_TIMEOUT,
                auth_timeout=CONNECT_TIMEOUT,
                allow_agent=False,
                look_for_keys=False,
            )
            self._sftp = client.open_sftp()
            self._sftp.get_channel().settimeout(CONNECT_TIMEOUT * 3)
        except (paramiko.SSHException, OSError, EOFError) as exc:
            client.close()
            raise DropUnavailable(f"{self.where}: {_why(exc)}") from None
        try:
            yield self
        finally:
            self._sftp = None
            client.close()

    def _client(self) -> paramiko.SFTPClient:
        if self._sftp is None:
            raise RuntimeError("SftpFolder used outside connected()")
        return self._sftp

    def _remote(self, name: str) -> str:
        return posixpath.join(self.path, name)

    def entries(self) -> list[Entry]:
        try:
            attrs = self._client().listdir_attr(self.path)
        except (OSError, paramiko.SSHException) as exc:
            raise DropUnavailable(f"{self.where}: cannot list the folder ({_why(exc)})") from None
        return sorted(
            (
                Entry(a.filename, a.st_size or 0, a.st_mtime)
                for a in attrs
                if a.st_mode is not None and stat.S_ISREG(a.st_mode)
            ),
            key=lambda e: e.name,
        )

    def fetch(self, name: str, dest: Path) -> None:
        try:
            self._client().get(self._remote(name), str(dest))
        except (OSError, paramiko.SSHException) as exc:
            raise DropUnavailable(f"{self.where}/{name}: cannot read ({_why(exc)})") from None

    def put(self, name: str, data: bytes) -> None:
        sftp = self._client()
        temp = self._remote(f".{name}.part")
        try:
            with sftp.open(temp, "wb") as out:
                out.write(data)
            try:
                sftp.posix_rename(temp, self._remote(name))  # replaces an older file atomically
            except OSError:  # a server without the posix-rename extension
                with suppress(OSError):
                    sftp.remove(self._remote(name))
                sftp.rename(temp, self._remote(name))
        except (OSError, paramiko.SSHException) as exc:
            raise DropUnavailable(f"{self.where}/{name}: cannot write ({_why(exc)})") from None

    def makedirs(self) -> None:
        sftp = self._client()
        path = ""
        for part in self.path.split("/"):
            path = f"{path}/{part}" if path or self.path.startswith("/") else part
            if not part:
                continue
            try:
                sftp.stat(path)
            except OSError:
                try:
                    sftp.mkdir(path)
                except OSError as exc:
                    raise DropUnavailable(
                        f"{self.where}: cannot create {path} ({_why(exc)})"
                    ) from None


def _why(exc: BaseException) -> str:
    if isinstance(exc, paramiko.BadHostKeyException | paramiko.ssh_exception.SSHException) and (
        "not found in known_hosts" in str(exc) or isinstance(exc, paramiko.BadHostKeyException)
    ):
        return "the server's host key is not FILE_DROP_SFTP_HOST_KEY: refused"
    if isinstance(exc, paramiko.AuthenticationException):
        return "authentication failed (FILE_DROP_SFTP_KEY / FILE_DROP_SFTP_PASSWORD)"
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


@contextmanager
def opened(url: str, settings: Settings) -> Iterator[Location]:
    """The drop at ``url`` (a folder path or an sftp:// URL), ready to use."""
    if url.startswith("sftp://"):
        folder = SftpFolder(
            url,
            password=settings.file_drop_sftp_password,
            key=settings.file_drop_sftp_key,
            host_key=settings.file_drop_sftp_host_key,
        )
        with folder.connected() as connected:
            yield connected
        return
    yield LocalFolder(url)


def export_url(settings: Settings) -> str:
    """``FILE_DROP_EXPORT_URL``, else the drop's ``outbox`` folder."""
    if settings.file_drop_export_url:
        return settings.file_drop_export_url
    return settings.file_drop_url.rstrip("/") + "/outbox"
