"""Several Rasa servers: a stable hash of the conversation id picks one, the same everywhere."""

from __future__ import annotations

import subprocess
import sys

import pytest

from outreach.conversations.rasa_client import RasaClient, rasa_urls, server_index
from outreach.conversations.rasa_stores import rasa_env, redis_lock_env, tracker_store_url
from outreach.settings import Settings


def client(urls: list[str]) -> RasaClient:
    return RasaClient(urls, "t" * 32, timeout_seconds=1, max_concurrent=2)


def test_it_sends_one_conversation_to_the_same_server_from_every_client() -> None:
    urls = ["http://a:5005", "http://b:5005", "http://c:5005"]
    ids = [f"{n:032x}" for n in range(200)]
    first, second = client(urls), client(list(urls))
    assert [first.url_for(i) for i in ids] == [second.url_for(i) for i in ids]


def test_it_picks_the_same_server_in_another_process() -> None:
    # Python's own hash() of a str changes between processes (PYTHONHASHSEED): never use it.
    code = (
        "from outreach.conversations.rasa_client import server_index;"
        "print([server_index(f'{n:032x}', 3) for n in range(50)])"
    )
    other = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345"},
    )
    assert other.stdout.strip() == str([server_index(f"{n:032x}", 3) for n in range(50)])


def test_it_spreads_conversations_over_every_server() -> None:
    picks = [server_index(f"{n:032x}", 2) for n in range(1000)]
    assert 400 < picks.count(0) < 600  # roughly half each: the hash is not skewed


def test_one_server_gets_every_conversation() -> None:
    assert {client(["http://only:5005"]).url_for(f"{n}") for n in range(20)} == {"http://only:5005"}


def test_it_reads_rasa_urls_and_still_accepts_rasa_url_alone() -> None:
    both = Settings.from_env(
        {"RASA_URLS": " http://a:5005/, http://b:5006 ,", "RASA_URL": "http://x:1"}
    )
    assert rasa_urls(both) == ["http://a:5005", "http://b:5006"]
    assert rasa_urls(Settings.from_env({"RASA_URL": "http://x:1/"})) == ["http://x:1"]
    assert RasaClient.from_settings(both).urls == ["http://a:5005", "http://b:5006"]


def test_it_refuses_a_client_without_a_server() -> None:
    with pytest.raises(ValueError, match="RASA_URLS"):
        client([])


def test_the_tracker_store_lives_beside_or_inside_the_apps_database() -> None:
    assert tracker_store_url("sqlite:////srv/app/outreach.sqlite") == (
        "sqlite:////srv/app/outreach-rasa-tracker.sqlite"
    )
    # Rasa's venv has psycopg2; its table "events" would clash with the app's: schema "rasa".
    assert tracker_store_url("postgresql+psycopg://app:pw@db:5432/outreach") == (
        "postgresql+psycopg2://app:pw@db:5432/outreach?options=-csearch_path%3Drasa"
    )
    with pytest.raises(ValueError, match="DATABASE_URL"):
        tracker_store_url("sqlite://")
    with pytest.raises(ValueError, match="DATABASE_URL"):
        tracker_store_url("mysql://db/outreach")


def test_redis_url_gives_rasa_a_redis_lock_store() -> None:
    settings = Settings.from_env({"DATABASE_URL": "sqlite:////srv/app/outreach.sqlite"})
    assert rasa_env(settings, {})["RASA_ENDPOINTS"] == "endpoints.yml"
    env = rasa_env(settings, {"REDIS_URL": "redis://:s3cret@127.0.0.1:6380/3"})
    assert env["RASA_ENDPOINTS"] == "endpoints-redis.yml"
    assert redis_lock_env("redis://:s3cret@127.0.0.1:6380/3") == {
        "RASA_REDIS_HOST": "127.0.0.1",
        "RASA_REDIS_PORT": "6380",
        "RASA_REDIS_DB": "3",
        "RASA_REDIS_PASSWORD": "s3cret",
    }
    with pytest.raises(ValueError, match="REDIS_URL"):
        redis_lock_env("http://127.0.0.1:6379")
