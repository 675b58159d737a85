"""Facts: everything a check needs that involves I/O, resolved once per posting, concurrently.

A `FactProvider` (`verifier.families.facts`: each family implements its own beside its
checks) turns a posting into one named fact (the registry record, a duplicate-content
hit, ...). The engine runs every provider concurrently before the checks, each under a time
limit; a provider that fails or times out leaves its fact *unavailable*, and a check that asks
for it fails, which the engine turns into an `engine.check_failed` finding (fail closed).
"""

from __future__ import annotations

import asyncio
import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from verifier.families.base import FactUnavailable
from verifier.families.facts import FactProvider
from verifier.models import Posting
from verifier.obs.metrics import observe_fact
from verifier.store.side_writes import SideWrite, SideWriter
from verifier.text.match import Folder, Joined
from verifier.text.normalize import PostingText, posting_text

if TYPE_CHECKING:
    from verifier.resources import Resources

T = TypeVar("T")

# Dotted paths of provider factories `create(resources) -> FactProvider | None`.
# A new fact family adds one line here; the engine itself never changes.
PROVIDER_FACTORIES: list[str] = [
    "verifier.families.registry.provider.create",
    "verifier.families.duplicate.provider.create",
]


@dataclass
class Facts:
    """The evaluation context of one posting: what the checks read (see `Context`), the
    resolved fact values behind the slots checks declare, and the provider errors."""

    posting: Posting
    now: datetime
    text: PostingText
    portal: str = "unknown"
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)
    side_writes: list[SideWrite] = field(default_factory=list)
    """Payloads a provider wants committed together with this posting's decision (e.g. its
    duplicate-detection fingerprint), each for a side writer the provider registered
    (`FactProvider.side_writers`): written in the decision's group-commit transaction, only
    when the decision is new (not an idempotent retry)."""

    def __getattr__(self, name: str) -> Any:
        """A fact slot (`ctx.registry` ...): its value, None when no provider gave one;
        raises FactUnavailable when its provider failed or was not asked."""
        if name.startswith("_"):
            raise AttributeError(name)
        return self.get(name)

    def get(self, name: str) -> Any:
        """A resolved fact; raises FactUnavailable when its provider failed."""
        if name in self.errors:
            raise FactUnavailable(name, self.errors[name])
        return self.values.get(name)

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """Work several checks share for this posting (a salary parse ...), built once."""
        try:
            return self.cache[key]  # type: ignore[no-any-return]
        except KeyError:
            value = self.cache[key] = build()
            return value

    def joined(self, folder: Folder, names: list[str]) -> Joined:
        """The named fields' compact form (keywords and contact share it), built once."""
        key = f"joined:{folder.signature}:{','.join(names)}"
        return self.memo(
            key, lambda: folder.join_original([self.text.fields.get(n) or "" for n in names]))


def default_portal(posting: Posting) -> str:
    """The portal of a posting decided without one: its source URL's host, else ``unknown``."""
    if posting.source_url:
        host = urlsplit(posting.source_url).hostname or ""
        parts = host.split(".")
        if len(parts) >= 2:
            return ".".join(parts[-2:])[:64]
    return "unknown"


def context(posting: Posting, now: datetime, portal: str | None = None) -> Facts:
    """A fresh evaluation context for one posting."""
    return Facts(posting=posting, now=now, text=posting_text(posting),
                 portal=portal or default_portal(posting))


async def resolve_all(providers: list[FactProvider], facts: Facts, time_limit: float) -> None:
    """Run every provider concurrently; failures and time-outs become `facts.errors`."""
    if not providers:
        return

    async def one(p: FactProvider) -> None:
        t0 = time.perf_counter()
        result = "ok"
        try:
            # asyncio.timeout, not wait_for: no task per provider, so a provider that
            # answers from memory without suspending costs no event-loop round trip.
            async with asyncio.timeout(time_limit):
                value = await p.resolve(facts)
            facts.values[p.name] = value
            facts.side_writes.extend(p.side_writes(value))
        except TimeoutError:
            result = "timeout"
            facts.errors[p.name] = f"timed out after {time_limit:.3f}s"
        except Exception as exc:  # isolate any provider failure (fail closed)
            result = "error"
            facts.errors[p.name] = f"{type(exc).__name__}: {exc}"
        observe_fact(p.name, result, time.perf_counter() - t0)

    if len(providers) == 1:
        await one(providers[0])
    else:
        await asyncio.gather(*(one(p) for p in providers))


def side_writers(providers: list[FactProvider]) -> list[SideWriter]:
    """Every side writer the providers register."""
    return [w for p in providers for w in p.side_writers()]


def build_providers(resources: Resources) -> list[FactProvider]:
    """Instantiate every configured provider factory."""
    out: list[FactProvider] = []
    for dotted in PROVIDER_FACTORIES:
        module, _, attr = dotted.rpartition(".")
        factory = getattr(importlib.import_module(module), attr)
        provider = factory(resources)
        if provider is not None:
            out.append(provider)
    return out
