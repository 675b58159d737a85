"""Which portal the posting being verified came from, for the duplicate index.

The engine's `evaluate(posting)` does not carry the portal (it comes from the API key), so
the caller that knows it sets it for the duration of the evaluation with `portal_scope`;
providers read it with `current_portal`. Context variables follow the task that set them into
the provider tasks the engine gathers, so concurrent requests never see each other's portal.
Without a scope the portal is the host of the posting's `source_url`, else ``unknown``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import urlsplit

from verifier.models import Posting

_PORTAL: ContextVar[str | None] = ContextVar("verifier_portal", default=None)


@contextmanager
def portal_scope(portal: str) -> Iterator[None]:
    """Evaluate under `portal` (the API key's portal) inside this block."""
    token = _PORTAL.set(portal)
    try:
        yield
    finally:
        _PORTAL.reset(token)


def current_portal(posting: Posting) -> str:
    """The portal in scope, else the source URL's host, else ``unknown``."""
    portal = _PORTAL.get()
    if portal:
        return portal
    if posting.source_url:
        host = urlsplit(posting.source_url).hostname or ""
        parts = host.split(".")
        if len(parts) >= 2:
            return ".".join(parts[-2:])[:64]
    return "unknown"
