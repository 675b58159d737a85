"""Path and query parameters the database could not store are refused before any handler.

A NUL character (`%00`) in a path segment or a query value would reach SQL (PostgreSQL text
refuses it): 422 problem+json naming each such parameter (`path.<name>`, `query.<name>`).
"""

from __future__ import annotations

from aiohttp import web

from verifier.api.errors import ApiError, Handler
from verifier.models import FieldError

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
