"""The request id of the request being served (a context variable, set by the middleware)."""

from __future__ import annotations

import re
from contextvars import ContextVar

from uuid_utils import uuid7

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
_VALID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")


def accept_request_id(given: str | None) -> str:
    """The caller's `X-Request-Id` if it is 1-128 characters of `A-Za-z0-9._:-`, else a new
    UUIDv7 (an id that could carry markup or control characters is never echoed)."""
    if given and _VALID.fullmatch(given):
        return given
    return str(uuid7())


def current_request_id() -> str | None:
    """The id of the request this code runs for, if any."""
    return REQUEST_ID.get()
