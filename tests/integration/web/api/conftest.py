"""The REST API tests: a key with every scope, and the client calls they share."""

from __future__ import annotations

import pytest

from tests.support.api_clients import bearer, new_key


@pytest.fixture
def key(app) -> str:
    return new_key(app, "core-banking")


@pytest.fixture
def auth(key) -> dict[str, str]:
    return bearer(key)
