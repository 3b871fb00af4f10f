"""The settings that point the app at the fake Fineract (tests/support/fake_fineract.py)."""

from __future__ import annotations

from tests.support.fake_fineract import FakeFineract

HOOK_TOKEN = "hook-token-4f9c2a7e1b"


def fineract_env(fake: FakeFineract, **extra: str) -> dict[str, str]:
    return {
        "FINERACT_URL": fake.url,
        "FINERACT_TENANT": "default",
        "FINERACT_USERNAME": "mifos",
        "FINERACT_PASSWORD": "password",
        "FINERACT_COUNTRY": "US",
        "FINERACT_HOOK_TOKEN": HOOK_TOKEN,
        "FINERACT_PAGE_SIZE": "2",
        **extra,
    }
