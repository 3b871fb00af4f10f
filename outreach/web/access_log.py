"""Gunicorn's access log without tokens or personal data (security finding 26).

Query strings carry bearer tokens (``/chat/?t=<self-service token>``) and personal data (an
auditor's search by phone number or name, ``/audit/search?address=+1312...``), and some paths
are tokens themselves (``/unsubscribe/<token>``). The ``Procfile`` runs gunicorn with
``--logger-class outreach.web.access_log.AccessLogger``: every atom a log format can name gives the
path without its query and with token segments masked, the Referer likewise, and no cookie,
authorization, chat key or signature header.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from gunicorn.glogging import Logger

MASK = "[token]"
# Path segments that are bearer tokens (the M-Pesa page's before the card page's: the
# alternation is tried in order), and the secret token of the M-Pesa callback URLs.
_TOKEN_PATHS = re.compile(
    r"^(/unsubscribe/|/sandbox/pay/|/pay/mpesa/|/pay/|/webhooks/payments/mpesa/)[^/]+"
)
# Request headers (atom "{name}i") and environ keys (atom "{key}e") never to log as they are.
_SECRET_HEADERS = ("cookie", "authorization", "x-chat-key", "x-twilio-signature", "x-api-key")
_URL_ENVIRON = ("raw_uri", "request_uri", "query_string", "path_info", "script_name")


def loggable_path(path: str) -> str:
    """``path`` without any query string or fragment, token segments masked."""
    path = path.split("?", 1)[0].split("#", 1)[0]
    return _TOKEN_PATHS.sub(rf"\g<1>{MASK}", path)


def loggable_url(url: str) -> str:
    """A URL (a Referer) reduced to scheme, host and loggable path; ``-`` when there is none."""
    if not url or url == "-":
        return "-"
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    return origin + loggable_path(parts.path)


class AccessLogger(Logger):
    """gunicorn's logger with the request line, path, query, Referer and secret headers made
    safe in every format atom (``access_log_format`` stays configurable)."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        path = loggable_path(str(environ.get("PATH_INFO") or "/"))
        referer = loggable_url(str(environ.get("HTTP_REFERER") or "-"))
        method, protocol = environ.get("REQUEST_METHOD", "-"), environ.get("SERVER_PROTOCOL", "-")
        atoms.update(r=f"{method} {path} {protocol}", U=path, q="", f=referer)
        atoms["{referer}i"] = referer
        for name in _SECRET_HEADERS:
            if f"{{{name}}}i" in atoms:
                atoms[f"{{{name}}}i"] = "-"
        for key in list(atoms):
            if not key.endswith("}e"):
                continue
            name = key[1:-2]
            if name in _URL_ENVIRON:
                atoms[key] = path
            elif name == "http_referer":
                atoms[key] = referer
            elif name.startswith("http_") and name[5:].replace("_", "-") in _SECRET_HEADERS:
                atoms[key] = "-"
        return atoms
