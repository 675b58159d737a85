"""Schemathesis against the served /openapi.json: every route with every role's key.

Checks: no 5xx, every status code documented, every content type and body as the schema
says. A bounded number of examples per route runs here; the long run is documented in
docs/operations.md (`SCHEMATHESIS_EXAMPLES=...`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import free_port
from tests.live import Server, start_server

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "15"))
KEYS = {
    "portal": "demo-portal-key", "reviewer": "demo-reviewer-key",
    "auditor": "demo-auditor-key", "admin": "demo-admin-key",
}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp: Path = tmp_path_factory.mktemp("schemathesis")
    srv = start_server(free_port(), f"sqlite+aiosqlite:///{tmp}/s.db", tmp, timeout=240)
    yield srv
    srv.stop()


def _fuzz(op: Any, base_url: str, calls: dict[str, int]) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=op.as_strategy())
    def run(case: Any) -> None:
        for key in KEYS.values():
            case.call_and_validate(base_url=base_url, checks=CHECKS,
                                   headers={"Authorization": f"Bearer {key}"})
            calls[op.label] = calls.get(op.label, 0) + 1

    run()


def test_every_route_with_every_role(live: Server) -> None:
    schema = schemathesis.openapi.from_url(live.url + "/openapi.json")
    calls: dict[str, int] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    for op in operations:
        _fuzz(op, live.url, calls)
    print(f"schemathesis: {sum(calls.values())} calls over {len(calls)} operations")
    assert len(calls) == len(operations) >= 9  # every documented operation was exercised
