from outreach.models import Heartbeat, utcnow


def test_it_reports_each_dependency(client, session):
    resp = client.get("/healthz")
    body = resp.get_json()
    assert resp.status_code == 503  # Rasa, actions and scheduler are not running here
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["rasa"]["ok"] is False
    assert body["checks"]["action_server"]["ok"] is False
    assert body["checks"]["scheduler"]["ok"] is False

    session.add(Heartbeat(name="scheduler", beat_at=utcnow()))
    session.commit()
    assert client.get("/healthz").get_json()["checks"]["scheduler"]["ok"] is True
