"""The registry admin endpoints' operations, declared for `verifier.api.openapi_build`.

The record schema is `EnterpriseRecord`'s own (pydantic), so it cannot drift from the code.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, RootModel

from verifier.api.openapi_build import Operation, Reply
from verifier.registry.records import EnterpriseRecord

Records = Annotated[list[EnterpriseRecord], Field(min_length=1, max_length=5000)]


class RegistryBatch(BaseModel):
    """Records wrapped in an object."""

    enterprises: Records


class RegistryUpsertBody(RootModel[EnterpriseRecord | Records | RegistryBatch]):
    """Body of `PUT /v1/admin/registry/enterprises`: one record, a list, or
    `{"enterprises": [...]}`."""


class RegistryUpsert(BaseModel):
    """What an upsert did; every instance refreshes at the new epoch."""

    inserted: int
    updated: int
    epoch: int


class RegistryHit(BaseModel):
    """One enterprise found by name."""

    score: float
    kind: str
    matched_name: str
    enterprise: EnterpriseRecord


class RegistrySearch(BaseModel):
    """`GET /v1/admin/registry/search`: scored hits, best first."""

    query: str
    results: list[RegistryHit]


class RecordPath(BaseModel):
    """The code of `/v1/admin/registry/enterprises/{uscc}`."""

    uscc: Annotated[str, Field(min_length=1, max_length=64)]


class SearchQuery(BaseModel):
    """Query of `GET /v1/admin/registry/search`."""

    name: Annotated[str, Field(min_length=1, max_length=300)]
    limit: Annotated[int, Field(ge=1, le=100)] = 10


OPERATIONS: list[Operation] = [
    Operation("PUT", "/v1/admin/registry/enterprises", "registryUpsert",
              "Insert or replace enterprise records, all or none (admin)",
              {200: Reply("Counts; every instance refreshes", RegistryUpsert)},
              (400, 401, 403, 413, 422), body=RegistryUpsertBody),
    Operation("GET", "/v1/admin/registry/enterprises/{uscc}", "registryGet",
              "One enterprise by USCC or 15-digit 注册号 (admin, reviewer, auditor)",
              {200: Reply("The record", EnterpriseRecord)}, (401, 403, 404),
              params=RecordPath),
    Operation("GET", "/v1/admin/registry/search", "registrySearch",
              "Enterprises by name (admin, reviewer, auditor)",
              {200: Reply("Scored hits, best first", RegistrySearch)}, (401, 403, 422),
              params=SearchQuery),
]
