"""A stand-in for Apache Fineract's REST API: a real local HTTP server answering as Fineract
documents (the JSON shapes are the samples in ``tests/support/fineract_samples/``).

Served under ``/fineract-provider/api/v1``:

- ``GET /clients`` and ``GET /loans``: pages (``offset``, ``limit``, ``orderBy=id``,
  ``sortOrder``) as ``{"totalFilteredRecords": n, "pageItems": [...]}``; list items carry no
  repayment schedule and no ``delinquent`` block, as Fineract's list does not;
- ``GET /clients/{id}``, ``GET /loans/{id}?associations=repaymentSchedule``,
  ``GET /loans/{id}/transactions/{tx}``, ``GET|POST /loans/{id}/notes``,
  ``GET|POST /loans/{id}/delinquency-actions`` (validated as Fineract's
  ``DelinquencyActionParseAndValidator`` does: both dates for a pause, at least a day, not
  before disbursement, no overlap, an active loan).

Every request needs basic auth and ``Fineract-Platform-TenantId`` (400 without the tenant, 401
with wrong credentials, Fineract's error bodies). Each request is recorded in ``requests``.
``unavailable = True`` answers 503 (a proxy in front of a Fineract that is down); ``stop()``
closes the port (connection refused); ``fail_after = n`` lets ``n`` more requests through and
then answers 503. Sample dates are moved by whole days so the book stands where the test clock
stands.
"""

from __future__ import annotations

import base64
import copy
import json
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

SAMPLES = Path(__file__).parent / "fineract_samples"
API = "/fineract-provider/api/v1"
SAMPLE_TODAY = date(2026, 11, 24)  # the day the samples were written for


def sample(name: str) -> Any:
    return json.loads((SAMPLES / f"{name}.json").read_text())


def _shift(value: Any, days: int) -> Any:
    """Every ``[y, m, d]`` date in ``value`` moved by ``days``."""
    if isinstance(value, list):
        if len(value) == 3 and all(type(v) is int for v in value) and 1900 < value[0] < 2300:
            moved = date(*value) + timedelta(days=days)
            return [moved.year, moved.month, moved.day]
        return [_shift(v, days) for v in value]
    if isinstance(value, dict):
        return {k: _shift(v, days) for k, v in value.items()}
    return value


def _error(status: int, message: str, code: str, parameter: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {
        "developerMessage": message,
        "defaultUserMessage": message,
        "userMessageGlobalisationCode": code,
        "args": [],
    }
    if parameter:
        error["parameterName"] = parameter
    return {
        "developerMessage": message,
        "httpStatusCode": str(status),
        "defaultUserMessage": message,
        "userMessageGlobalisationCode": code,
        "errors": [error],
    }


class FakeFineract:
    """``with FakeFineract(today=...) as fineract:`` serves at ``fineract.url``."""

    def __init__(
        self,
        *,
        today: date = SAMPLE_TODAY,
        username: str = "mifos",
        password: str = "password",
        tenant: str = "default",
    ) -> None:
        self.today = today
        self.username, self.password, self.tenant = username, password, tenant
        self.clients: dict[int, dict[str, Any]] = {}
        self.loans: dict[int, dict[str, Any]] = {}
        self.transactions: dict[int, dict[str, Any]] = {}
        self.notes: dict[int, list[dict[str, Any]]] = {}
        self.actions: dict[int, list[dict[str, Any]]] = {}
        self.requests: list[dict[str, Any]] = []
        self.unavailable = False
        self.fail_after: int | None = None
        self._next = {"note": 76, "action": 5, "tx": 17}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._running = False

    def __enter__(self) -> FakeFineract:
        self._thread.start()
        self._running = True
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Close the port: Fineract is gone (connections refused)."""
        if self._running:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=10)
            self._running = False

    # -- the book -------------------------------------------------------------------------

    def add_loan(self, loan_id: int, **changes: Any) -> dict[str, Any]:
        """A client and an active loan in arrears from the samples, ids ``loan_id``; top-level
        loan fields overridden by ``changes`` (``client={...}`` overrides the client's)."""
        days = (self.today - SAMPLE_TODAY).days
        client = copy.deepcopy(sample("client"))
        client.update(
            id=loan_id,
            accountNo=f"{loan_id:09d}",
            externalId=f"CUST-{1000 + loan_id}",
            displayName=f"Borrower {loan_id}",
            mobileNo=f"20255501{loan_id:02d}",
            emailAddress=f"borrower{loan_id}@example.com",
        )
        client.update(changes.pop("client", {}))
        loan = _shift(copy.deepcopy(sample("loan")), days)
        loan.update(
            id=loan_id,
            accountNo=f"{loan_id:09d}",
            externalId=f"loan-ext-{loan_id}",
            clientId=client["id"],
            clientAccountNo=client["accountNo"],
            clientName=client["displayName"],
            clientExternalId=client.get("externalId"),
        )
        loan.update(changes)
        self.clients[client["id"]] = client
        self.loans[loan_id] = loan
        return loan

    def repay(self, loan_id: int, amount: float, tx_id: int | None = None) -> dict[str, Any]:
        """Record a repayment as Fineract would: a transaction, a smaller overdue and balance,
        the oldest owing period paid. The hook body Fineract would send is returned."""
        loan = self.loans[loan_id]
        with self._lock:
            tx_id = tx_id or self._next["tx"]
            self._next["tx"] = tx_id + 1
        tx = copy.deepcopy(sample("loan_transaction_repayment"))
        today = [self.today.year, self.today.month, self.today.day]
        tx.update(id=tx_id, amount=amount, date=today, submittedOnDate=today)
        self.transactions[tx_id] = tx
        summary = loan["summary"]
        summary["totalOverdue"] = max(summary["totalOverdue"] - amount, 0)
        summary["totalOutstanding"] = max(summary["totalOutstanding"] - amount, 0)
        summary["totalRepayment"] = summary.get("totalRepayment", 0) + amount
        if summary["totalOverdue"] == 0:
            summary["inArrears"] = False
            loan["inArrears"] = False
            loan["delinquent"]["pastDueDays"] = 0
            summary.pop("overdueSinceDate", None)
        for period in loan["repaymentSchedule"]["periods"]:
            if "period" in period and not period.get("complete"):
                period["complete"], period["totalOutstandingForPeriod"] = True, 0
                break
        hook = sample("hook_loan_repayment")
        hook["response"].update(loanId=loan_id, clientId=loan["clientId"], resourceId=tx_id)
        hook["clientId"] = loan["clientId"]
        return hook

    # -- answers --------------------------------------------------------------------------

    def _list_item(self, loan: dict[str, Any]) -> dict[str, Any]:
        item = copy.deepcopy(loan)
        item.pop("repaymentSchedule", None)
        item.pop("delinquent", None)
        return item

    def _page(self, items: list[dict[str, Any]], query: dict[str, str]) -> dict[str, Any]:
        ordered = sorted(items, key=lambda i: i["id"], reverse=query.get("sortOrder") == "DESC")
        offset = int(query.get("offset") or 0)
        limit = int(query.get("limit") or 0)
        page = ordered[offset : offset + limit] if limit > 0 else ordered[offset:]
        return {"totalFilteredRecords": len(items), "pageItems": page}

    def _delinquency_action(self, loan: dict[str, Any], body: dict[str, Any]) -> tuple[int, Any]:
        action = str(body.get("action") or "")
        if action.lower() not in ("pause", "resume"):
            return 400, _error(
                400,
                f"Invalid Delinquency Action: {action}",
                "loan-delinquency-action-invalid-action",
                "action",
            )
        if not loan["status"].get("active"):
            return 400, _error(
                400,
                "Delinquency actions can be created only for active loans.",
                "loan-delinquency-action-invalid-loan-state",
            )
        if body.get("dateFormat") != "yyyy-MM-dd" or body.get("locale") != "en":
            return 400, _error(
                400,
                "The parameter `dateFormat` is mandatory",
                "validation.msg.dateFormat.cannot.be.blank",
                "dateFormat",
            )
        try:
            start = date.fromisoformat(str(body.get("startDate")))
            end = date.fromisoformat(str(body.get("endDate")))
        except ValueError:
            return 400, _error(
                400,
                "The parameter `startDate` is mandatory",
                "loan-delinquency-action-pause-startDate-cannot-be-blank",
                "startDate",
            )
        if start == end:
            return 400, _error(
                400,
                "Delinquency pause period must be at least one day",
                "loan-delinquency-action-invalid-start-date-and-end-date",
            )
        disbursed = date(*loan["timeline"]["actualDisbursementDate"])
        if disbursed > start:
            return 400, _error(
                400,
                "Start date of pause period must be after first disbursal date",
                "loan-delinquency-action-invalid-start-date",
                "startDate",
            )
        for other in self.actions.get(loan["id"], []):
            o_start, o_end = (
                date.fromisoformat(other["startDate"]),
                date.fromisoformat(other["endDate"]),
            )
            if (
                (o_start < end < o_end)
                or (o_start < start < o_end)
                or (start, end) == (o_start, o_end)
            ):
                body_ = sample("error_validation")
                return 400, body_
        with self._lock:
            action_id = self._next["action"]
            self._next["action"] += 1
        self.actions.setdefault(loan["id"], []).append(
            {
                "id": action_id,
                "action": "PAUSE",
                "startDate": start.isoformat(),
                "endDate": end.isoformat(),
            }
        )
        answer = sample("delinquency_action_created")
        answer.update(resourceId=action_id, loanId=loan["id"], clientId=loan["clientId"])
        return 200, answer

    def answer(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        parts = path.removeprefix(API).strip("/").split("/")
        if method == "GET" and parts == ["clients"]:
            return 200, self._page(list(self.clients.values()), query)
        if method == "GET" and parts == ["loans"]:
            return 200, self._page([self._list_item(v) for v in self.loans.values()], query)
        if parts[0] == "clients" and len(parts) == 2 and method == "GET":
            client = self.clients.get(int(parts[1]))
            if client is None:
                return 404, _error(
                    404,
                    f"Client with identifier {parts[1]} does not exist",
                    "error.msg.client.id.invalid",
                    "id",
                )
            return 200, client
        if parts[0] != "loans" or len(parts) < 2 or not parts[1].isdigit():
            return 404, _error(404, f"Unsupported path {path}", "error.msg.resource.not.found")
        loan = self.loans.get(int(parts[1]))
        if loan is None:
            return 404, sample("error_not_found")
        rest = parts[2:]
        if method == "GET" and not rest:
            full = copy.deepcopy(loan)
            if "repaymentSchedule" not in (query.get("associations") or "").split(","):
                full.pop("repaymentSchedule", None)
            return 200, full
        if rest[:1] == ["transactions"] and len(rest) == 2 and method == "GET":
            tx = self.transactions.get(int(rest[1]))
            return (
                (200, tx)
                if tx
                else (
                    404,
                    _error(
                        404, "Transaction does not exist", "error.msg.loan.transaction.id.invalid"
                    ),
                )
            )
        if rest == ["notes"] and method == "GET":
            return 200, self.notes.get(loan["id"], [])
        if rest == ["notes"] and method == "POST":
            if not isinstance(body, dict) or not body.get("note"):
                return 400, _error(
                    400,
                    "The parameter `note` is mandatory",
                    "validation.msg.note.note.cannot.be.blank",
                    "note",
                )
            with self._lock:
                note_id = self._next["note"]
                self._next["note"] += 1
            self.notes.setdefault(loan["id"], []).append(
                {
                    "id": note_id,
                    "clientId": loan["clientId"],
                    "loanId": loan["id"],
                    "noteType": {"id": 200, "code": "noteType.loan", "value": "Loan note"},
                    "note": body["note"],
                    "createdById": 1,
                    "createdByUsername": self.username,
                    "createdOn": 1764000000000,
                }
            )
            answer = sample("note_created")
            answer.update(resourceId=note_id, loanId=loan["id"], clientId=loan["clientId"])
            return 200, answer
        if rest == ["delinquency-actions"] and method == "GET":
            return 200, self.actions.get(loan["id"], [])
        if rest == ["delinquency-actions"] and method == "POST":
            return self._delinquency_action(loan, body if isinstance(body, dict) else {})
        return 404, _error(404, f"Unsupported path {path}", "error.msg.resource.not.found")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, data: Any, content_type: str = "application/json") -> None:
                raw = data if isinstance(data, bytes) else json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _serve(self, method: str) -> None:
                split = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(split.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                fake.requests.append(
                    {
                        "method": method,
                        "path": split.path,
                        "query": query,
                        "headers": dict(self.headers),
                        "body": body,
                    }
                )
                if fake.fail_after is not None:
                    if fake.fail_after <= 0:
                        fake.unavailable = True
                    fake.fail_after -= 1
                if fake.unavailable:
                    return self._send(
                        503, b"<html><body>503 Service Unavailable</body></html>", "text/html"
                    )
                if not split.path.startswith(API):
                    return self._send(404, _error(404, "Not found", "error.msg.not.found"))
                if not self.headers.get("Fineract-Platform-TenantId"):
                    return self._send(
                        400,
                        _error(
                            400,
                            "No tenant identifier found: Add request header of "
                            "'Fineract-Platform-TenantId' or add the parameter 'tenantIdentifier' "
                            "to query string of request URL.",
                            "error.msg.platform.tenant.identifier.not.found",
                        ),
                    )
                expected = base64.b64encode(f"{fake.username}:{fake.password}".encode()).decode()
                if (
                    self.headers.get("Fineract-Platform-TenantId") != fake.tenant
                    or self.headers.get("Authorization") != f"Basic {expected}"
                ):
                    return self._send(
                        401,
                        _error(
                            401, "Unauthenticated. Please login.", "error.msg.not.authenticated"
                        ),
                    )
                status, data = fake.answer(method, split.path, query, body)
                self._send(status, data)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

        return Handler
