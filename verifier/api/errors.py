"""Problem details (RFC 9457): the one shape of every error response."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from verifier.api.state import SETTINGS
from verifier.models import FieldError, Problem
from verifier.store.errors import StoreUnavailable, UnstorableDecision

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PROBLEM = "application/problem+json"


class ApiError(Exception):
    """An error the client caused (or a dependency outage), mapped to one problem response."""

    def __init__(
        self, status: int, title: str, detail: str, errors: list[FieldError] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors or []


def problem(
    status: int, title: str, detail: str, errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """A problem+json response."""
    body = Problem(title=title, status=status, detail=detail, errors=errors or [])
    return web.Response(
        status=status, body=body.model_dump_json().encode(), content_type=PROBLEM,
        headers=headers,
    )


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc) or "(body)"


def validation_error(exc: ValidationError, prefix: str = "") -> ApiError:
    """Map a pydantic error on a request body to 400 (not JSON) or 422 (wrong fields)."""
    errs = exc.errors(include_url=False)
    if any(e["type"] in ("json_invalid", "json_type") for e in errs):
        msg = errs[0]["msg"]
        return ApiError(400, "Malformed JSON", f"The request body is not valid JSON: {msg}",
                        [FieldError(field="(body)", message=msg, type="json_invalid")])
    fields = [
        FieldError(field=prefix + _field(tuple(e["loc"])), message=e["msg"], type=e["type"])
        for e in errs[:50]
    ]
    names = ", ".join(dict.fromkeys(f.field for f in fields[:5]))
    return ApiError(422, "Invalid request", f"Invalid field(s): {names}", fields)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every error into problem+json; nothing leaks as a bare 500."""
    try:
        return await handler(request)
    except ApiError as exc:
        return problem(exc.status, exc.title, exc.detail, exc.errors)
    except UnstorableDecision as exc:
        log.warning("decision refused by the database: %s", exc)
        return problem(422, "Unprocessable posting",
                       "The database cannot store this posting's decision (a value it cannot "
                       "hold); nothing was logged for it. Correct the posting and resubmit.")
    except StoreUnavailable as exc:
        log.warning("store unavailable: %s", exc)
        return problem(503, "Service Unavailable",
                       "The decision log cannot be written right now; nothing was approved. "
                       "Retry later.", headers={"Retry-After": "1"})
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        detail = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else exc.reason
        if exc.status == 413:
            limit = request.app[SETTINGS].max_body_bytes
            detail = f"The request body is larger than {limit} bytes."
        return problem(exc.status, exc.reason, detail or exc.reason,
                       headers={k: v for k, v in exc.headers.items() if k == "Allow"})
    except Exception as exc:
        if not is_outage(exc):
            log.exception("unhandled error on %s %s", request.method, request.path)
            return problem(500, "Internal Server Error", "An unexpected error occurred.")
        log.warning("dependency unavailable on %s %s: %s", request.method, request.path,
                    _brief(exc))
        return problem(503, "Service Unavailable",
                       "The database is unreachable or too slow right now; nothing was "
                       "decided or changed. Retry later.", headers={"Retry-After": "1"})


def _brief(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo and len(out) < 10:
        e = todo.pop()
        if e is None or any(e is seen for seen in out):
            continue
        out.append(e)
        orig = getattr(e, "orig", None)
        todo.extend([e.__cause__, e.__context__,
                     orig if isinstance(orig, BaseException) else None])
    return out


def is_outage(exc: BaseException) -> bool:
    """Whether `exc` means a dependency is down or slow (a 503), not a bug (a 500):
    connection refused or lost, time-outs, a database starting or shutting down."""
    import asyncpg  # type: ignore[import-untyped]
    from sqlalchemy import exc as sa

    outage = (
        OSError, TimeoutError, sa.OperationalError, sa.InterfaceError, sa.DisconnectionError,
        sa.TimeoutError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
        asyncpg.exceptions.OperatorInterventionError, asyncpg.QueryCanceledError,
    )
    for e in _chain(exc):
        if isinstance(e, outage):
            return True
        if isinstance(e, sa.DBAPIError) and e.connection_invalidated:
            return True
    return False

