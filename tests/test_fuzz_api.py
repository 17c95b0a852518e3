"""The whole API fuzzed from its OpenAPI schema (schemathesis on hypothesis) over the demo
corpus: valid and invalid parameters, anonymously and with a member's token. No answer may be a
server error, and every successful one must match its documented schema.

Bounded (``EXAMPLES`` per operation and mode) so that the run stays near half a minute.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from kb.accounts import Accounts
from ops.services import Services
from tests.conftest import DemoCorpus
from tests.sessions import ensure_user
from web.app import create_app

EXAMPLES = 15


@pytest.fixture(scope="module")
def schema(demo: DemoCorpus) -> Iterator[schemathesis.BaseSchema]:
    services = Services.open(demo.settings)
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(services))
    services.close()


@pytest.fixture(scope="module")
def member_token(demo: DemoCorpus) -> str:
    accounts = Accounts(demo.store)
    _, token = accounts.create_token(ensure_user(demo.store, "fuzz@stadt.test", "member"), "fuzz")
    return token


def _fuzz(
    schema: schemathesis.BaseSchema, mode: GenerationMode, headers: dict[str, str]
) -> dict[str, int]:
    """Every operation with ``EXAMPLES`` generated requests; returns requests per status."""
    statuses: dict[str, int] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,  # no .hypothesis folder in the work tree
            suppress_health_check=list(HealthCheck),
            derandomize=True,  # the same requests every run: a failure is reproducible
        )
        def check(case: Case) -> None:
            response = case.call(headers=headers)
            key = f"{response.status_code}"
            statuses[key] = statuses.get(key, 0) + 1
            checks = [not_a_server_error]
            if response.status_code == 200 and mode is GenerationMode.POSITIVE:
                checks.append(response_schema_conformance)
            case.validate_response(response, checks=checks)

        try:
            check()
        except Unsatisfiable:
            # An operation without parameters (the health check) has no invalid request.
            if mode is not GenerationMode.NEGATIVE:
                raise
    return statuses


def test_valid_requests_never_fail_and_match_the_schema(
    schema: schemathesis.BaseSchema, member_token: str
) -> None:
    anonymous = _fuzz(schema, GenerationMode.POSITIVE, {})
    member = _fuzz(schema, GenerationMode.POSITIVE, {"Authorization": f"Bearer {member_token}"})
    assert anonymous.get("200", 0) > 60 and member.get("200", 0) > 60


def test_invalid_requests_get_client_errors(schema: schemathesis.BaseSchema) -> None:
    statuses = _fuzz(schema, GenerationMode.NEGATIVE, {})
    assert statuses.get("422", 0) > 50
    assert not [status for status in statuses if status.startswith("5")]
