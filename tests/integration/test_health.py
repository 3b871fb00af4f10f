import pytest

from outreach import clock as app_clock
from outreach.models import Heartbeat

# The app's clock stands still at a fixed instant in every test here.
pytestmark = pytest.mark.usefixtures("clock")


def test_it_reports_each_dependency(client, session):
    resp = client.get("/healthz")
    body = resp.get_json()
    assert resp.status_code == 503  # Rasa, actions and scheduler are not running here
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["rasa"]["ok"] is False
    assert body["checks"]["action_server"]["ok"] is False
    assert body["checks"]["scheduler"]["ok"] is False

    session.add(Heartbeat(name="scheduler", beat_at=app_clock.now()))
    session.commit()
    assert client.get("/healthz").get_json()["checks"]["scheduler"]["ok"] is True
