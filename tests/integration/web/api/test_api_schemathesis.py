"""Schemathesis against the served OpenAPI document: for generated input (valid and invalid),
no 5xx, every answer documented and matching its schema; without a key 401, without the
scope 403.

Each operation is driven through Hypothesis directly (``APIOperation.as_strategy``): the
Schemathesis pytest plugin's lazy fixture loader does not run under pytest 9. Bounded (a few
dozen examples per operation and mode) and derandomized, so the suite stays fast and stable;
raise MAX_EXAMPLES locally to dig deeper.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.api_clients import bearer, loan_item, new_key

MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 8  # every route in the document (test_api_bad_input checks all)
    return operations


def _drive(operation, mode: GenerationMode, examples: int, run: Callable) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def drive(case) -> None:
        run(case)

    try:
        drive()
    except Exception as exc:
        raise AssertionError(f"{operation.label} ({mode}): {exc}") from exc


@pytest.fixture
def seeded(app):
    """A borrower the generated paths may name ("0"), so some answers are 200s."""
    resp = app.test_client().post(
        "/api/v1/loan-book",
        json={"items": [loan_item(1, external_id="0")]},
        headers=bearer(new_key(app, "seed")),
    )
    assert resp.status_code == 200
    return app


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_it_answers_any_generated_request_within_its_schema(seeded, mode):
    headers = bearer(new_key(seeded, "fuzzer"))
    for operation in _operations(seeded):
        _drive(
            operation,
            mode,
            MAX_EXAMPLES,
            lambda case: case.call_and_validate(headers=headers, checks=CHECKS),
        )


def test_it_answers_401_without_a_key(app):
    def run(case) -> None:
        response = case.call()
        assert response.status_code == 401, response.text
        case.validate_response(response, checks=CHECKS)

    for operation in _operations(app):
        _drive(operation, GenerationMode.POSITIVE, 5, run)


def test_it_answers_403_to_a_key_without_the_scope(app):
    events_only = bearer(new_key(app, "events-only", ("events:read",)))
    loans_only = bearer(new_key(app, "loans-only", ("loans:write",)))

    for operation in _operations(app):
        # a key without the scope this route needs
        headers = loans_only if operation.path.endswith("/events") else events_only

        def run(case, headers=headers) -> None:
            response = case.call(headers=headers)
            assert response.status_code == 403, response.text
            case.validate_response(response, checks=CHECKS)

        _drive(operation, GenerationMode.POSITIVE, 5, run)
