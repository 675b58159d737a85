"""Side writes: rows other parts of the service commit in a decision's own transaction.

One interface for everything that must commit together with a decision: a `SideWriter`,
registered by name with the decision writer (`SideWriters`). For every group-commit batch
each registered side writer, in registration order, is called once with the decisions this
transaction adds to the log (`Written`: the stored decision, its chain position, the posting,
the decision it supersedes). Data a caller computed for one decision (the duplicate family's
fingerprint) travels with the submission as a `SideWrite` (side writer name + payload) and
reaches that writer as `Written.attached[name]`. Decisions answered from the log (idempotent
retries) add nothing, so side writers see new decisions only.

A `required` side writer (review items, the webhook outbox) commits with its decision or
not at all: its failure fails the transaction, and the decision writer isolates the failing
decision from the rest of its batch. An optional one (fingerprints) never costs a decision:
it runs in a savepoint; when it fails for several decisions it is run again for each alone,
so one bad row loses only its own side rows, and the payloads that were not written are
handed back to it (`abandon`) so it can forget in-memory state that assumed the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

from sqlalchemy import Connection

from verifier.models import Decision, Posting

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SideWrite:
    """A payload for the side writer named `writer`, to commit with one decision."""

    writer: str
    payload: Any


class Written(NamedTuple):
    """One decision this transaction adds to the log, as side writers see it (a named
    tuple: one is built per new decision, on the batch's hot path)."""

    decision: Decision
    """As stored (version and `supersedes` assigned)."""
    seq: int
    """Its position in the hash chain."""
    posting: Posting | None
    """The posting it decides, when the caller gave it."""
    supersedes_seq: int | None
    """Chain position of the decision it supersedes (`decision.supersedes`), if any."""
    attached: Mapping[str, Any]
    """Payloads the caller attached, by side writer name."""


NOTHING_ATTACHED: Mapping[str, Any] = MappingProxyType({})
"""`Written.attached` of a decision without side writes."""


class SideWriter:
    """Writes rows in the decision batch's transaction; subclasses set `name` and override
    `write` (every new decision) or `write_attached` (only the payloads attached to them)."""

    name: str = ""
    required: bool = False
    """Whether the decision may commit only together with this writer's rows."""

    def applies(self, batch: Sequence[Written]) -> bool:
        """Whether `write` has anything to do for `batch` (by default: whether a payload is
        attached for this writer); override it together with `write`."""
        name = self.name
        return any(name in w.attached for w in batch)

    def write(self, conn: Connection, batch: Sequence[Written]) -> None:
        """Write this writer's rows for `batch` (by default: its attached payloads)."""
        payloads = [w.attached[self.name] for w in batch if self.name in w.attached]
        if payloads:
            self.write_attached(conn, payloads)

    def write_attached(self, conn: Connection, payloads: list[Any]) -> None:
        """Write payloads callers attached for this writer (also used by offline tools)."""

    def abandon(self, payloads: list[Any]) -> None:
        """Payloads attached for this writer that were not committed."""


Hook = Callable[[Connection, list[Written]], None]
"""A function over the decisions a batch adds, run in its transaction (`HookWriter`)."""


class HookWriter(SideWriter):
    """A plain function registered as a required side writer, named after it."""

    required = True

    def __init__(self, hook: Hook, name: str | None = None) -> None:
        self.hook = hook
        fn = getattr(hook, "__qualname__", type(hook).__qualname__)  # function or callable
        self.name = name or f"{hook.__module__}.{fn}"

    def applies(self, batch: Sequence[Written]) -> bool:
        """Always: the function decides what concerns it."""
        return True

    def write(self, conn: Connection, batch: Sequence[Written]) -> None:
        """Call the function."""
        self.hook(conn, list(batch))


class SideWriters:
    """The registered side writers, in the order they run; names are unique."""

    def __init__(self, writers: Sequence[SideWriter] = ()) -> None:
        self._by_name: dict[str, SideWriter] = {}
        for w in writers:
            self.register(w)

    def register(self, writer: SideWriter, *, replace: bool = False) -> None:
        """Add a side writer (`replace`: take the place of the one of the same name)."""
        if not writer.name:
            raise ValueError(f"side writer {writer!r} has no name")
        if writer.name in self._by_name and not replace:
            raise ValueError(f"a side writer named {writer.name!r} is already registered")
        self._by_name[writer.name] = writer

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[SideWriter]:
        return iter(list(self._by_name.values()))

    def get(self, name: str) -> SideWriter | None:
        """The side writer registered under `name`."""
        return self._by_name.get(name)

    def check(self, writes: Sequence[SideWrite]) -> None:
        """Refuse side writes for writers nobody registered (a wiring error)."""
        for sw in writes:
            if sw.writer not in self._by_name:
                raise LookupError(f"no side writer named {sw.writer!r} is registered")

    def run(self, conn: Connection, batch: Sequence[Written]) -> None:
        """Run every side writer over the decisions this transaction adds."""
        for writer in self:
            if writer.required:
                if writer.applies(batch):
                    writer.write(conn, batch)
            else:
                _isolated(conn, writer, batch)

    def write_attached(self, conn: Connection, writes: Sequence[SideWrite]) -> None:
        """Commit attached payloads without a decision (offline tools recording
        fingerprints as the service does); each writer's failure is isolated."""
        by_writer: dict[str, list[Any]] = {}
        for sw in writes:
            by_writer.setdefault(sw.writer, []).append(sw.payload)
        for name, payloads in by_writer.items():
            writer = self._by_name[name]
            try:
                with conn.begin_nested():
                    writer.write_attached(conn, payloads)
            except Exception as exc:  # never worth failing the run for
                log.warning("side writer %s failed: %s", name, exc)
                writer.abandon(payloads)

    def abandon(self, writes: Sequence[SideWrite]) -> None:
        """Hand back payloads whose decisions were not committed."""
        by_writer: dict[str, list[Any]] = {}
        for sw in writes:
            by_writer.setdefault(sw.writer, []).append(sw.payload)
        for name, payloads in by_writer.items():
            writer = self._by_name.get(name)
            if writer is None:
                continue
            try:
                writer.abandon(payloads)
            except Exception:  # a clean-up never masks the failure being reported
                log.exception("side writer %s: abandon failed", name)


def _isolated(conn: Connection, writer: SideWriter, batch: Sequence[Written]) -> None:
    """Run an optional side writer in a savepoint; after a failure, once per decision."""
    if not writer.applies(batch) or _attempt(conn, writer, batch) or len(batch) == 1:
        return
    for one in batch:
        _attempt(conn, writer, [one])


def _attempt(conn: Connection, writer: SideWriter, batch: Sequence[Written]) -> bool:
    try:
        with conn.begin_nested():
            writer.write(conn, batch)
    except Exception as exc:  # isolate it, keep the decisions
        log.warning("side writer %s failed for %d decision(s): %s", writer.name, len(batch), exc)
        if len(batch) == 1:
            payload = batch[0].attached.get(writer.name)
            if payload is not None:
                writer.abandon([payload])
        return False
    return True
