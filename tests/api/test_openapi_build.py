"""The OpenAPI builder: parameters, bodies and answers come from pydantic models."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from verifier.api.openapi_build import NO_NUL, Operation, Reply, build


class Params(BaseModel):
    thing_id: Annotated[str, Field(max_length=8)]
    mode: Annotated[Literal["a", "b"] | None, Field(description="which mode")] = None
    name: Annotated[str, Field(min_length=1)]


class Body(BaseModel):
    n: int


class Answer(BaseModel):
    ok: bool


def test_fields_become_path_and_query_parameters_and_models_components() -> None:
    op = Operation("POST", "/v1/things/{thing_id}", "thing", "Do a thing",
                   {201: Reply("Done", Answer), 204: Reply("Nothing")}, (404, 422),
                   params=Params, body=Body, body_required=False)
    paths, schemas = build([op])
    got = paths["/v1/things/{thing_id}"]["post"]
    assert got["parameters"] == [
        {"name": "thing_id", "in": "path", "required": True,
         "schema": {"type": "string", "maxLength": 8, "pattern": NO_NUL}},
        {"name": "mode", "in": "query", "required": False, "description": "which mode",
         "schema": {"type": "string", "enum": ["a", "b"]}},
        {"name": "name", "in": "query", "required": True,
         "schema": {"type": "string", "minLength": 1, "pattern": NO_NUL}}]
    assert got["requestBody"] == {"required": False, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Body"}}}}
    assert got["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Answer"}
    assert "content" not in got["responses"]["204"]
    assert got["responses"]["422"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"}
    assert got["security"] == [{"bearer": []}]
    assert {"Body", "Answer", "Problem"} <= set(schemas) and "Params" not in schemas


def test_open_operations_and_text_answers() -> None:
    paths, _ = build([Operation("GET", "/metrics", "metrics", "Metrics",
                                {200: Reply("text", media="text/plain")}, secured=False)])
    got = paths["/metrics"]["get"]
    assert "security" not in got and "parameters" not in got
    assert got["responses"]["200"]["content"] == {"text/plain": {"schema": {"type": "string"}}}


class Inner(BaseModel):
    text: str
    code: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]


class Outer(BaseModel):
    inner: Inner
    notes: list[str]
    when: Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class Said(BaseModel):
    text: str


def test_request_strings_refuse_nul_answers_are_left_alone() -> None:
    """The service refuses NUL in every request string; the document says so where no
    pattern or format of a string's own does already."""
    _, schemas = build([Operation("POST", "/v1/say", "say", "Say",
                                  {200: Reply("Said", Said)}, body=Outer)])
    assert schemas["Inner"]["properties"]["text"]["pattern"] == NO_NUL
    assert schemas["Inner"]["properties"]["code"]["pattern"] == "^[A-Z]{2}$"
    assert schemas["Outer"]["properties"]["notes"]["items"]["pattern"] == NO_NUL
    assert "pattern" not in schemas["Outer"]["properties"]["when"]
    assert "pattern" not in schemas["Said"]["properties"]["text"]
