"""The web process's access log (gunicorn, as the Procfile runs it) carries no tokens and no
query strings with personal data (security finding 26)."""

from __future__ import annotations

import requests

from outreach.messaging.links import make_token, unsubscribe_url
from tests.conftest import PUBLIC_BASE_URL, TEST_SECRET
from tests.support import servers

PROCFILE = servers.ROOT / "Procfile"


def procfile_web_command() -> str:
    """The ``web:`` line of the Procfile, exactly as ``make run`` (honcho) starts it."""
    for line in PROCFILE.read_text().splitlines():
        if line.startswith("web:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError("the Procfile has no web process")


def test_it_keeps_tokens_and_searches_out_of_the_access_log(database_url, settings):
    port = servers.free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "WEB_PORT": str(port),
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "RASA_URL": "http://127.0.0.1:9",
        "ACTION_SERVER_URL": "http://127.0.0.1:9",
    }
    chat_token = make_token(settings, 1)
    unsubscribe_path = unsubscribe_url(settings, 1).removeprefix(PUBLIC_BASE_URL)
    unsubscribe_token = unsubscribe_path.rsplit("/", 1)[1]
    name = "gunicorn-access-log"
    with servers.process(name, ["bash", "-c", procfile_web_command()], base + "/login", env=env):
        assert requests.get(f"{base}/chat/?t={chat_token}", timeout=10).status_code == 200
        requests.get(
            base + unsubscribe_path, headers={"Referer": f"{base}/chat/?t={chat_token}"}, timeout=10
        )
        requests.get(f"{base}/audit/search?go=1&address=%2B13125550100&borrower=Garcia", timeout=10)
    log = (servers.LOGS / f"{name}.log").read_text()  # complete: the server has stopped
    assert '"GET /chat/ HTTP/1.1" 200' in log
    assert '"GET /unsubscribe/[token] HTTP/1.1"' in log
    assert '"GET /audit/search HTTP/1.1" 302' in log
    assert f'"{base}/chat/"' in log  # the Referer, without its query
    for secret in (chat_token, unsubscribe_token, "13125550100", "Garcia", "?t=", "address="):
        assert secret not in log
