"""Apache Fineract's REST API, as documented (fineract-provider/api/v1; Swagger in the source).

Every call sends ``Fineract-Platform-TenantId`` and HTTP basic auth, and reads JSON numbers as
``Decimal`` (Fineract writes money as ``1000000.000000``: never a float here). Dates come as
``[year, month, day]`` arrays (Fineract's default Jackson/Gson form) or ISO strings.

Two errors, so a caller knows whether to try again later:

- ``FineractUnavailable``: no answer (refused, timed out), a 5xx, or 429: nothing was done,
  try again later;
- ``FineractRefused``: a 4xx answer, with Fineract's own message (``defaultUserMessage``, and the
  first error's ``parameterName``): trying again will not help.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import requests

from outreach.settings import Settings

API_PATH = "/fineract-provider/api/v1"


class FineractUnavailable(RuntimeError):
    """Fineract did not answer, or answered 5xx/429: nothing changed there; try again later."""


class FineractRefused(RuntimeError):
    """Fineract answered 4xx: ``status`` and Fineract's message; retrying will not help."""

    def __init__(self, message: str, status: int, parameter: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.parameter = parameter


def api_base(url: str) -> str:
    """``FINERACT_URL`` as the API base: a server root gets ``/fineract-provider/api/v1``; a URL
    that already ends in ``/api/v1`` (a proxy that mounts it elsewhere) is used as it is."""
    url = url.rstrip("/")
    return url if url.endswith("/api/v1") else url + API_PATH


def fineract_date(value: Any) -> date | None:
    """A Fineract date: ``[2024, 5, 14]`` (its default) or ``"2024-05-14"``; None if absent."""
    if value is None or value == "":
        return None
    if isinstance(value, list) and len(value) == 3 and all(isinstance(v, int) for v in value):
        return date(value[0], value[1], value[2])
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    raise ValueError(f"not a Fineract date: {value!r}")


@dataclass
class Page:
    total: int
    items: list[dict[str, Any]]


class FineractClient:
    """One Fineract tenant, over ``requests`` with a timeout on every call."""

    def __init__(
        self,
        url: str,
        tenant: str,
        username: str,
        password: str,
        *,
        timeout: float = 20.0,
        page_size: int = 200,
    ) -> None:
        self.base = api_base(url)
        self.timeout = timeout
        self.page_size = page_size
        self._http = requests.Session()
        self._http.auth = (username, password)
        self._http.headers.update(
            {"Fineract-Platform-TenantId": tenant, "Accept": "application/json"}
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> FineractClient:
        return cls(
            settings.fineract_url,
            settings.fineract_tenant,
            settings.fineract_username,
            settings.fineract_password,
            timeout=settings.fineract_timeout_seconds,
            page_size=settings.fineract_page_size,
        )

    @property
    def where(self) -> str:
        """The server, for messages (no credentials, no path)."""
        parts = urlsplit(self.base)
        return f"{parts.scheme}://{parts.netloc}"

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            resp = self._http.request(method, self.base + path, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise FineractUnavailable(
                f"Fineract at {self.where} did not answer ({type(exc).__name__}); "
                "nothing was changed there, the next run tries again"
            ) from None
        if resp.status_code >= 500 or resp.status_code == 429:
            raise FineractUnavailable(
                f"Fineract at {self.where} answered {resp.status_code} to {method} {path}; "
                "the next run tries again"
            )
        try:
            data = json.loads(resp.content, parse_float=Decimal) if resp.content else None
        except ValueError:
            data = None
        if resp.status_code in (401, 403):
            raise FineractRefused(
                f"Fineract at {self.where} refused the credentials ({resp.status_code}): check "
                "FINERACT_USERNAME, FINERACT_PASSWORD, FINERACT_TENANT and the user's permissions",
                resp.status_code,
            )
        if resp.status_code >= 400:
            raise _refused(method, path, resp.status_code, data)
        if data is None:
            raise FineractUnavailable(
                f"Fineract at {self.where} answered {method} {path} with something that is "
                "not JSON (a proxy's error page?); the next run tries again"
            )
        return data

    def get(self, path: str, **params: Any) -> Any:
        return self._call("GET", path, params=params or None)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self._call("POST", path, json=body)

    def page(self, path: str, offset: int, **params: Any) -> Page:
        """One page of a list (``offset``/``limit``, ordered by id so pages never overlap)."""
        data = self.get(
            path, offset=offset, limit=self.page_size, orderBy="id", sortOrder="ASC", **params
        )
        if not isinstance(data, dict) or not isinstance(data.get("pageItems"), list):
            raise FineractUnavailable(f"Fineract at {self.where}: {path} is not a page")
        return Page(int(data.get("totalFilteredRecords") or 0), data["pageItems"])

    def pages(self, path: str, **params: Any) -> Iterator[Page]:
        """Every page of a list, until one comes back short or the total is reached."""
        offset = 0
        while True:
            page = self.page(path, offset, **params)
            yield page
            offset += len(page.items)
            if not page.items or len(page.items) < self.page_size or offset >= page.total:
                return

    # -- the calls the connector makes --------------------------------------------------

    def client(self, client_id: int) -> dict[str, Any]:
        return self.get(f"/clients/{client_id}")

    def loan(self, loan_id: int) -> dict[str, Any]:
        """One loan with its repayment schedule (the list never carries schedules)."""
        return self.get(f"/loans/{loan_id}", associations="repaymentSchedule")

    def transaction(self, loan_id: int, transaction_id: int) -> dict[str, Any]:
        return self.get(f"/loans/{loan_id}/transactions/{transaction_id}")

    def notes(self, loan_id: int) -> list[dict[str, Any]]:
        data = self.get(f"/loans/{loan_id}/notes")
        return data if isinstance(data, list) else []

    def add_note(self, loan_id: int, text: str) -> int:
        """``POST /loans/{id}/notes``; the new note's id (``resourceId``)."""
        data = self.post(f"/loans/{loan_id}/notes", {"note": text})
        return int(data["resourceId"])

    def pause_delinquency(self, loan_id: int, start: date, end: date) -> int:
        """``POST /loans/{id}/delinquency-actions`` with action "pause" (Fineract 1.9+):
        delinquency stops ageing from ``start`` to ``end``; the action's id."""
        data = self.post(
            f"/loans/{loan_id}/delinquency-actions",
            {
                "action": "pause",
                "startDate": start.isoformat(),
                "endDate": end.isoformat(),
                "dateFormat": "yyyy-MM-dd",
                "locale": "en",
            },
        )
        return int(data["resourceId"])


def _refused(method: str, path: str, status: int, data: Any) -> FineractRefused:
    """Fineract's error body (``ApiGlobalErrorResponse``) as one message."""
    message, parameter = f"HTTP {status}", None
    if isinstance(data, dict):
        message = str(data.get("defaultUserMessage") or data.get("developerMessage") or message)
        errors = data.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0]
            parameter = first.get("parameterName")
            message = str(first.get("defaultUserMessage") or message)
    where = f" ({parameter})" if parameter else ""
    return FineractRefused(f"Fineract refused {method} {path}: {message}{where}", status, parameter)
