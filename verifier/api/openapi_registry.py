"""The registry admin endpoints' operations, declared for `verifier.api.openapi_build`.

The record schema is `EnterpriseRecord`'s own (pydantic), so it cannot drift from the code;
the upsert body narrows it to what the registry row builder takes (`EnterpriseIn`).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, RootModel
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from verifier.api.openapi_build import Operation, Reply
from verifier.registry.records import EnterpriseRecord
from verifier.registry.rows import MAX_STAFF

_SPACE = (r"\u0009-\u000d\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f"
          r"\u205f\u3000\ufeff")
_TEXT = rf"^[^\u0000]*[^\u0000{_SPACE}][^\u0000]*$"
"""Some text besides white space, and no NUL. White space is spelled out: Python's str.strip
(which the row builder applies) and a JSON Schema (ECMA-262) `\\s` differ (U+001C-U+001F,
U+0085 are white space only to Python, U+FEFF only to ECMA-262); this is both sets."""


class EnterpriseIn(EnterpriseRecord):
    """A record as `PUT /v1/admin/registry/enterprises` takes it. The handler builds it with
    the registry row builder (`verifier/registry/rows.py`): a name with some text, a USCC or
    a 15-digit 注册号 (or both) whose check characters hold, `status_raw` one of the strings
    of the status vocabulary (`rules/registry/status.toml`; else `status`), no NUL
    anywhere; `null` or an empty string is a missing value."""

    model_config = ConfigDict(json_schema_extra={
        "anyOf": [{"required": ["uscc"]}, {"required": ["regno"]}]})

    name: Annotated[str, Field(min_length=1, json_schema_extra={"pattern": _TEXT})]
    uscc: Annotated[str, Field(json_schema_extra={"format": "uscc"}, description=(
        "统一社会信用代码 (GB 32100-2015), check character included"))] \
        | SkipJsonSchema[None] = None
    regno: Annotated[str, Field(json_schema_extra={"format": "regno"}, description=(
        "15-digit 注册号 (GB/T 17710 check digit)"))] | SkipJsonSchema[None] = None
    staff: Annotated[int | None, Field(ge=0, le=MAX_STAFF, description=(
        "head count; another whole number is read as missing"))] = None
    status_raw: Annotated[str | None, Field(description=(
        "the status as registered: one of the strings of the status vocabulary "
        "(rules/registry/status.toml)"))] = None


Records = Annotated[list[EnterpriseIn], Field(min_length=1, max_length=5000)]


class RegistryBatch(BaseModel):
    """Records wrapped in an object."""

    enterprises: Records


class RegistryUpsertBody(RootModel[EnterpriseIn | Records | RegistryBatch]):
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


def _stripped(value: str) -> str:
    """`value` without the white space around it (Python's, as `_TEXT` spells it); some
    text must be left."""
    value = value.strip()
    if not value:
        raise PydanticCustomError("string_too_short", "must hold some text besides white space")
    return value


class SearchQuery(BaseModel):
    """Query of `GET /v1/admin/registry/search` (the handler reads it as this model)."""

    name: Annotated[str, Field(min_length=1, max_length=300, json_schema_extra={
        "pattern": _TEXT}, description="a name (white space around it is ignored)"),
        AfterValidator(_stripped)]
    limit: Annotated[int, Field(ge=1, le=100)] = 10


OPERATIONS: list[Operation] = [
    Operation("PUT", "/v1/admin/registry/enterprises", "registryUpsert",
              "Insert or replace enterprise records, all or none (admin)",
              {200: Reply("Counts; every instance refreshes", RegistryUpsert)},
              (400, 401, 403, 409, 413, 422), body=RegistryUpsertBody),
    Operation("GET", "/v1/admin/registry/enterprises/{uscc}", "registryGet",
              "One enterprise by USCC or 15-digit 注册号 (admin, reviewer, auditor)",
              {200: Reply("The record", EnterpriseRecord)}, (401, 403, 404),
              params=RecordPath),
    Operation("GET", "/v1/admin/registry/search", "registrySearch",
              "Enterprises by name (admin, reviewer, auditor)",
              {200: Reply("Scored hits, best first", RegistrySearch)}, (401, 403, 422),
              params=SearchQuery),
]
