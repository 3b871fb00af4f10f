"""Health (security finding 30): the public check says only up or down and costs no outbound
request per call; the detail is for admins and for a monitor holding HEALTH_TOKEN."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from outreach import clock as app_clock
from outreach import create_app
from outreach.models import Heartbeat
from tests.conftest import make_settings
from tests.support import servers
from tests.support.officers import login, make_officer

# The app's clock stands still at a fixed instant in every test here.
pytestmark = pytest.mark.usefixtures("clock")
TOKEN = "monitor-token-0123456789"


@pytest.fixture
def dependencies() -> Iterator[tuple[str, Counter]]:
    """A stand-in Rasa and action server over real HTTP, counting every request by path."""
    hits: Counter = Counter()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits[self.path] += 1
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", servers.free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def app_with(database_url, **env):
    app = create_app(make_settings(database_url, **env))
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    return app


def beat(session):
    session.add(Heartbeat(name="scheduler", beat_at=app_clock.now()))
    session.commit()


def test_it_answers_the_public_with_a_status_only(client):
    resp = client.get("/healthz")
    assert resp.status_code == 503  # Rasa, actions and scheduler are not running here
    assert resp.get_json() == {"status": "unavailable"}


def test_it_says_ok_when_everything_is_up(app, database_url, session, dependencies):
    url, _ = dependencies
    beat(session)
    client = app_with(database_url, RASA_URL=url, ACTION_SERVER_URL=url).test_client()
    resp = client.get("/healthz")
    assert (resp.status_code, resp.get_json()) == (200, {"status": "ok"})


def test_it_is_unavailable_while_one_of_several_rasa_servers_is_down(
    app, database_url, session, dependencies
):
    url, _ = dependencies
    beat(session)
    # A conversation hashed to the dead server would get no bot (RASA_URLS, issue 19).
    down = "http://127.0.0.1:9"
    client = app_with(database_url, RASA_URLS=f"{url},{down}", ACTION_SERVER_URL=url).test_client()
    assert client.get("/healthz").status_code == 503
    both_up = app_with(database_url, RASA_URLS=f"{url},{url}", ACTION_SERVER_URL=url)
    assert both_up.test_client().get("/healthz").status_code == 200


def test_it_checks_rasa_and_the_action_server_once_per_five_seconds(
    app, database_url, dependencies, clock
):
    url, hits = dependencies
    client = app_with(database_url, RASA_URL=url, ACTION_SERVER_URL=url).test_client()
    for _ in range(20):
        client.get("/healthz")
    assert hits == Counter({"/": 1, "/health": 1})
    clock.advance(seconds=4)
    client.get("/healthz")
    assert hits == Counter({"/": 1, "/health": 1})
    clock.advance(seconds=1)
    client.get("/healthz")
    assert hits == Counter({"/": 2, "/health": 2})


def test_it_gives_the_detail_to_a_signed_in_admin(client, session):
    login(client, make_officer(session, "admin"))
    resp = client.get("/healthz/ready")
    body = resp.get_json()
    assert resp.status_code == 503
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["rasa"]["ok"] is False
    assert body["checks"]["action_server"]["ok"] is False
    assert body["checks"]["scheduler"]["ok"] is False
    beat(session)
    assert client.get("/healthz/ready").get_json()["checks"]["scheduler"]["ok"] is True


def test_it_gives_the_detail_to_a_monitor_with_the_token(app, database_url):
    client = app_with(database_url, HEALTH_TOKEN=TOKEN).test_client()
    good = client.get("/healthz/ready", headers={"Authorization": f"Bearer {TOKEN}"})
    assert good.status_code == 503 and good.get_json()["checks"]["database"]["ok"] is True
    bad = client.get("/healthz/ready", headers={"Authorization": f"Bearer {TOKEN}x"})
    assert bad.status_code == 401 and "checks" not in bad.get_json()


def test_it_keeps_the_detail_from_everyone_else(client, session):
    assert client.get("/healthz/ready").status_code == 401
    # No HEALTH_TOKEN configured: no bearer token is accepted, not even an empty one.
    assert client.get("/healthz/ready", headers={"Authorization": "Bearer "}).status_code == 401
    login(client, make_officer(session, "supervisor"))
    assert client.get("/healthz/ready").status_code == 403
