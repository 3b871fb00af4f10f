"""API keys and loan-book items for the REST API tests (and the README's snippets)."""

from __future__ import annotations

from typing import Any

from outreach import clock
from outreach.integrations import api_keys
from outreach.models import API_SCOPES


def new_key(app, name: str, scopes: tuple[str, ...] = API_SCOPES) -> str:
    """Create an API key the way the CLI does and return it."""
    with app.extensions["sessions"]() as session:
        _row, key = api_keys.create_key(session, name, list(scopes), clock.now(), "test")
    return key


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def loan_item(n: int = 1, **fields: Any) -> dict[str, Any]:
    """One loan-book item (the CSV's columns) that the import accepts."""
    item: dict[str, Any] = {
        "external_id": f"CUST-{n:06d}",
        "full_name": "Ana García",
        "locale": "es_US",
        "country": "US",
        "region": "IL",
        "postal_code": "60601",
        "date_of_birth": "1985-03-14",
        "phone": "+1 312 555 0100",
        "email": f"ana{n}@example.com",
        "consent_source": "loan_agreement",
        "consent_at": "2026-01-15T10:00:00Z",
        "loan_number": f"LN-{n:08d}",
        "product": "personal",
        "currency": "USD",
        "principal": "5000.00",
        "outstanding": "3210.55",
        "past_due_amount": "420.00",
        "days_past_due": "15",
        "next_due_date": "2026-12-01",
        "next_due_amount": "420.00",
        "status": "delinquent",
    }
    item.update(fields)
    return item
