"""One builder turns operation declarations into OpenAPI 3.1 path items and component schemas.

An `Operation` names its parameters, request body and responses by pydantic model; `build`
takes every schema from those models (`models_json_schema`, one call, shared `$defs`), so a
field's type, bounds, enum and description in the document are the model's own. Parameters
are the fields of one model: a field named in the path template (`{id}`) is a path
parameter, any other a query parameter (required when the field has no default). Every
parameter and request-body string without a pattern of its own gets `NO_NUL`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from verifier.models import Problem

REF = "#/components/schemas/{model}"
Mode = Literal["validation", "serialization"]
PROBLEMS: dict[int, str] = {
    400: "Malformed JSON", 401: "Missing or invalid API key", 403: "Wrong role",
    404: "Not found",
    409: "Conflict: the item's state or lease, or a posting id several portals use",
    413: "Body too large", 415: "Not JSON",
    422: "Invalid fields (each named in `errors`)", 503: "Decision log unavailable",
}
SECURED: list[dict[str, list[str]]] = [{"bearer": []}]
NO_NUL = "^[^\\u0000]*$"
"""No NUL character: the service refuses it in every parameter (`verifier.api.params`) and
every string of a request body (the models' `Storable`, the registry row builder), since
PostgreSQL cannot store it; `build` puts this pattern on each such string of the document."""


@dataclass(frozen=True)
class Reply:
    """One success response: its description and the model of its body (none: the body is
    not described), or a text media type."""

    description: str
    model: type[BaseModel] | None = None
    media: str = "application/json"


@dataclass(frozen=True)
class Operation:
    """One route's operation, as data."""

    method: str
    path: str
    operation_id: str
    summary: str
    replies: Mapping[int, Reply]
    problems: tuple[int, ...] = ()
    params: type[BaseModel] | None = None
    """Path and query parameters: the fields of this model."""
    body: type[BaseModel] | None = None
    body_required: bool = True
    secured: bool = True


def build(ops: Iterable[Operation]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The `paths` object and the component schemas of `ops`."""
    ops = list(ops)
    refs, defs = models_json_schema(list(_models(ops)), ref_template=REF)
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))

    def name(model: type[BaseModel], mode: Mode) -> str:
        return str(refs[(model, mode)]["$ref"]).rsplit("/", 1)[1]

    paths: dict[str, Any] = {}
    for op in ops:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, name, schemas)
    params_only = {name(op.params, "validation") for op in ops if op.params is not None}
    for unused in params_only - _referenced(paths, schemas):
        del schemas[unused]
    bodies = {name(op.body, "validation") for op in ops if op.body is not None}
    for key in _closure(bodies, schemas):
        forbid_nul(schemas[key])
    return paths, schemas


def forbid_nul(schema: Any) -> Any:
    """`schema` (changed in place) with `NO_NUL` as the pattern of every string it describes
    that has no pattern, format or enumeration of its own."""
    if isinstance(schema, dict):
        kind = schema.get("type")
        if (kind == "string" or (isinstance(kind, list) and "string" in kind)) and not (
                {"pattern", "format", "enum", "const"} & schema.keys()):
            schema["pattern"] = NO_NUL
        for key, value in schema.items():
            if key not in ("default", "examples", "const", "enum"):
                forbid_nul(value)
    elif isinstance(schema, list):
        for value in schema:
            forbid_nul(value)
    return schema


def _closure(names: set[str], schemas: dict[str, Any]) -> set[str]:
    """`names` and every component they refer to, directly or not."""
    import json

    found, todo = set(), list(names)
    while todo:
        key = todo.pop()
        if key in found or key not in schemas:
            continue
        found.add(key)
        todo += re.findall(r'#/components/schemas/([^"]+)"', json.dumps(schemas[key]))
    return found


def _models(ops: list[Operation]) -> dict[tuple[type[BaseModel], Mode], None]:
    """Every model the operations name, in the mode it is read (validation) or written
    (serialization), in order and once each."""
    wanted: dict[tuple[type[BaseModel], Mode], None] = {(Problem, "serialization"): None}
    for op in ops:
        if op.params is not None:
            wanted[(op.params, "validation")] = None
        if op.body is not None:
            wanted[(op.body, "validation")] = None
        for model in (r.model for r in op.replies.values()):
            if model is not None:
                wanted[(model, "serialization")] = None
    return wanted


def _operation(op: Operation, name: Callable[[type[BaseModel], Mode], str],
               schemas: dict[str, Any]) -> dict[str, Any]:
    """One operation object."""

    def ref(model: type[BaseModel], mode: Mode) -> dict[str, str]:
        return {"$ref": REF.format(model=name(model, mode))}

    item: dict[str, Any] = {"summary": op.summary, "operationId": op.operation_id}
    if op.secured:
        item["security"] = SECURED
    if op.params is not None:
        item["parameters"] = _parameters(op.path, schemas[name(op.params, "validation")])
    if op.body is not None:
        item["requestBody"] = {"required": op.body_required, "content": {
            "application/json": {"schema": ref(op.body, "validation")}}}
    responses = {str(status): _reply(reply, ref) for status, reply in op.replies.items()}
    for status in op.problems:
        responses[str(status)] = {"description": PROBLEMS[status], "content": {
            "application/problem+json": {"schema": ref(Problem, "serialization")}}}
    item["responses"] = responses
    return item


def _reply(reply: Reply, ref: Any) -> dict[str, Any]:
    if reply.model is not None:
        return {"description": reply.description,
                "content": {reply.media: {"schema": ref(reply.model, "serialization")}}}
    if reply.media != "application/json":
        return {"description": reply.description,
                "content": {reply.media: {"schema": {"type": "string"}}}}
    return {"description": reply.description}


def _parameters(path: str, schema: dict[str, Any]) -> list[dict[str, Any]]:
    """One parameter per property of a params model's schema."""
    in_path = set(re.findall(r"\{(\w+)\}", path))
    required = set(schema.get("required", ()))
    out = []
    for prop, spec in schema.get("properties", {}).items():
        spec = _not_null(dict(spec))
        spec.pop("title", None)
        param: dict[str, Any] = {"name": prop, "in": "path" if prop in in_path else "query",
                                 "required": prop in in_path or prop in required}
        if "description" in spec:
            param["description"] = spec.pop("description")
        param["schema"] = forbid_nul(spec)
        out.append(param)
    return out


def _not_null(spec: dict[str, Any]) -> dict[str, Any]:
    """An optional field's schema without its `null` branch and null default: a parameter is
    left out, never sent as null."""
    branches = spec.get("anyOf")
    if isinstance(branches, list):
        kept = [b for b in branches if b != {"type": "null"}]
        if len(kept) == 1:
            del spec["anyOf"]
            spec = {**kept[0], **spec}
    if spec.get("default", 0) is None:
        del spec["default"]
    return spec


def _referenced(paths: dict[str, Any], schemas: dict[str, Any]) -> set[str]:
    """Component names some path or some other component refers to."""
    import json

    found = set(re.findall(r'#/components/schemas/([^"]+)"', json.dumps(paths)))
    for key, value in schemas.items():
        found |= {n for n in re.findall(r'#/components/schemas/([^"]+)"', json.dumps(value))
                  if n != key}
    return found
