"""Schemathesis against the served /openapi.json: every route with every role's key.

Checks: no 5xx, every status code documented, every content type and body as the schema
says, and every request the schema allows accepted (no 4xx but 401/403/404/409/429: a
refusal of schema-valid input means the schema promises what the server refuses, or the
server refuses what it should take). A few refusals depend on data JSON Schema cannot
express; `UNEXPRESSIBLE` names each, by operation and field. A bounded number of examples
per route runs here; the long run is documented in docs/operations.md
(`SCHEMATHESIS_EXAMPLES=...`).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import (
    REDIS,
    ROOT,
    create_pg_database,
    drop_pg_database,
    free_port,
    need,
    pg_available,
    pg_url,
    redis_available,
)
from tests.live import Server, start_server
from verifier.registry.uscc import regno15_check_digit, validate_uscc

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "15"))
KEYS = {
    "portal": "demo-portal-key", "reviewer": "demo-reviewer-key",
    "auditor": "demo-auditor-key", "admin": "demo-admin-key",
}
UNEXPRESSIBLE: dict[str, re.Pattern[str]] = {  # operationId: "<field> <type>" of an error
    # A page cursor is a token the service gave out, not any string of its alphabet.
    "reviewItems": re.compile(r"query\.cursor value_error"),
    # Reasons are rule-pack data (rules/review/reasons.toml), each allowed for some outcomes
    # (and some for bulk resolution): GET /v1/review/reasons lists them.
    "reviewResolve": re.compile(r"reason value_error"),
    "reviewBulkResolve": re.compile(r"reason value_error"),
    # Registration statuses are rule-pack data too (rules/registry/status.toml).
    "registryUpsert": re.compile(r"enterprises\[\d+\]\.status invalid"),
    # One posting id twice in a batch (JSON Schema's uniqueItems compares whole items).
    "verifyBatch": re.compile(r"postings\.\d+\.posting_id duplicate"),
}


def _valid_usccs() -> list[str]:
    """USCCs whose check characters hold (the corpus registry's)."""
    lines = (ROOT / "fixtures" / "corpus" / "registry.jsonl").read_text().splitlines()
    codes = [json.loads(line).get("uscc") for line in lines]
    return sorted(c for c in codes if c and validate_uscc(c).valid)


# The document's own formats for the registry's codes: values with a valid check character.
schemathesis.openapi.format("uscc", st.sampled_from(_valid_usccs()))
schemathesis.openapi.format("regno", st.from_regex(r"\A[1-6][0-9]{13}\Z").map(
    lambda first14: first14 + regno15_check_digit(first14)))


def accepts_schema_valid_input(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis' positive_data_acceptance, except a 422 that names only fields whose
    valid values the schema cannot express (`UNEXPRESSIBLE`)."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        allowed = UNEXPRESSIBLE.get(case.operation.definition.raw.get("operationId", ""))
        if allowed is None or response.status_code != 422:
            raise
        errors = response.json().get("errors") or [{}]
        if not all(allowed.fullmatch(f"{e.get('field')} {e.get('type')}") for e in errors):
            raise
        return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, accepts_schema_valid_input]


@pytest.fixture(scope="module", params=[
    "sqlite", pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.redis])])
def live(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The service on SQLite, then on PostgreSQL with Redis (some values only PostgreSQL
    refuses, e.g. a time whose UTC is before year 1)."""
    tmp: Path = tmp_path_factory.mktemp("schemathesis")
    if request.param == "sqlite":
        srv = start_server(free_port(), f"sqlite+aiosqlite:///{tmp}/s.db", tmp, timeout=240)
        yield srv
        srv.stop()
        return
    need("PostgreSQL", pg_available())
    need("Redis", redis_available())
    name = asyncio.run(create_pg_database())
    try:
        srv = start_server(free_port(), pg_url(name), tmp, redis_url=REDIS, timeout=240)
        try:
            yield srv
        finally:
            srv.stop()
    finally:
        asyncio.run(drop_pg_database(name))


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
