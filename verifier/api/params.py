"""Path and query parameters: refused before any handler when the database could not store
them, and read by handlers as the query model the OpenAPI document is built from.

A NUL character (`%00`) in a path segment or a query value would reach SQL (PostgreSQL text
refuses it): 422 problem+json naming each such parameter (`path.<name>`, `query.<name>`).
`query(request, Model)` validates the query string as `Model` (the operation's `params` in
`verifier.api.openapi_*`), so its bounds, defaults and types are the document's: a bad value
is a 422 naming `query.<name>`.
"""

from __future__ import annotations

from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from verifier.api.errors import ApiError, Handler, validation_error
from verifier.models import FieldError

M = TypeVar("M", bound=BaseModel)

_MESSAGE = "must not contain the NUL character (%00): it cannot be stored"


def unstorable_params(request: web.Request) -> list[FieldError]:
    """The path and query parameters of `request` that hold a NUL character."""
    if "%00" not in request.raw_path:  # a NUL can only arrive percent-encoded
        return []
    errors = [FieldError(field=f"path.{k}", message=_MESSAGE, type="nul_character")
              for k, v in request.match_info.items() if "\x00" in v]
    if "\x00" in request.path and not errors:  # a segment that matched no parameter
        errors.append(FieldError(field="path", message=_MESSAGE, type="nul_character"))
    for k, v in request.query.items():
        if "\x00" in k or "\x00" in v:
            name = k.replace("\x00", "\\u0000")
            errors.append(FieldError(field=f"query.{name}", message=_MESSAGE,
                                     type="nul_character"))
    return errors


@web.middleware
async def params_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """422 for a request whose path or query holds a NUL character."""
    errors = unstorable_params(request)
    if errors:
        names = ", ".join(dict.fromkeys(e.field for e in errors))
        raise ApiError(422, "Invalid request", f"Invalid parameter(s): {names}", errors)
    return await handler(request)


def query(request: web.Request, model: type[M]) -> M:
    """The query string as `model`: 422 naming each bad parameter (`query.<name>`); unknown
    ones are refused only when `model` forbids extra fields. A repeated parameter counts
    once, its first value (as `request.query.get` reads it)."""
    data: dict[str, str] = {}
    for k, v in request.query.items():
        data.setdefault(k, v)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, prefix="query.") from None
