"""Where the rate-limit counters live (issue 19: shared limits)."""

from outreach.web.ratelimit import storage_uri


def test_redis_when_redis_url_is_set_else_memory():
    assert storage_uri({"REDIS_URL": "redis://cache:6379/0"}) == "redis://cache:6379/0"
    assert storage_uri({}) == "memory://"
    assert storage_uri({"REDIS_URL": "  "}) == "memory://"


def test_an_explicit_storage_uri_wins():
    env = {"REDIS_URL": "redis://cache:6379/0", "RATELIMIT_STORAGE_URI": "memcached://m:11211"}
    assert storage_uri(env) == "memcached://m:11211"
