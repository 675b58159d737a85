"""Which portal the posting being verified came from, for the duplicate index.

The engine's `evaluate(posting)` does not carry the portal (it comes from the API key), so
the caller that knows it sets it for the duration of the evaluation with `portal_scope`;
providers read it with `current_portal`. Context variables follow the task that set them into
the provider tasks the engine gathers, so concurrent requests never see each other's portal.
Without a scope the portal is the host of the posting's `source_url`, else ``unknown``.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from urllib.parse import urlsplit

from verifier.models import Posting

_PORTAL: ContextVar[str | None] = ContextVar("verifier_portal", default=None)


class portal_scope:
    """Evaluate under `portal` (the API key's portal) inside this block.

    A class rather than a generator context manager: it runs once per verification, and
    costs a fraction of what a generator one does."""

    __slots__ = ("_portal", "_token")

    def __init__(self, portal: str) -> None:
        self._portal = portal
        self._token: Token[str | None] | None = None

    def __enter__(self) -> None:
        self._token = _PORTAL.set(self._portal)

    def __exit__(self, *_: object) -> None:
        if self._token is not None:
            _PORTAL.reset(self._token)
            self._token = None


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
