"""The app with every payment provider configured (credentials as in the contract's settings)."""

from __future__ import annotations

import pytest

from tests.conftest import make_settings
from tests.support.payment_signing import PAYMENT_ENV


@pytest.fixture
def settings(database_url):
    return make_settings(database_url, **PAYMENT_ENV)
