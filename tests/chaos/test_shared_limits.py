"""Shared limits (issue 19): with REDIS_URL set, the chat and sign-in limits count across
processes. Two app instances stand for two web workers (each has its own limiter, as each
gunicorn worker does); on memory storage each would allow the full limit by itself."""

from __future__ import annotations

import pytest
import redis

from outreach import create_app
from tests.conftest import make_settings, wipe

REDIS_URL = "redis://127.0.0.1:6379/14"
CHAT_START_PER_MINUTE = 10  # outreach.web.ratelimit.LIMITS["chat.start"]


def _workers(database_url: str, monkeypatch) -> list:
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    redis.Redis.from_url(REDIS_URL).flushdb()
    wipe(database_url)
    apps = [create_app(make_settings(database_url)) for _ in range(2)]
    for app in apps:
        app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    return [app.test_client() for app in apps]


@pytest.fixture
def redis_flushed():
    yield
    redis.Redis.from_url(REDIS_URL).flushdb()


def test_two_workers_share_one_chat_budget_through_redis(database_url, monkeypatch, redis_flushed):
    workers = _workers(database_url, monkeypatch)
    statuses = [
        workers[i % 2].post("/chat/api/session", json={}).status_code
        for i in range(CHAT_START_PER_MINUTE + 1)
    ]
    # ten starts in the minute in all, whichever worker took them; the eleventh is refused
    assert all(s < 400 for s in statuses[:CHAT_START_PER_MINUTE])
    assert statuses[-1] == 429
    assert workers[1].post("/chat/api/session", json={}).status_code == 429


def test_without_redis_each_worker_counts_alone(database_url, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    wipe(database_url)
    apps = [create_app(make_settings(database_url)) for _ in range(2)]
    clients = [app.test_client() for app in apps]
    statuses = [
        clients[i % 2].post("/chat/api/session", json={}).status_code
        for i in range(CHAT_START_PER_MINUTE + 1)
    ]
    assert all(s < 400 for s in statuses)  # 6 and 5 per worker: under each one's own limit
