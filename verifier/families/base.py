"""The contract every check family implements.

A check is a small class: `id` (the family, e.g. ``content``), `version`, `emits` (the rule
ids it can raise and what it fills their messages with: `verifier.families.rules`), a
`Params` model that refuses unknown keys, and:

- `load(pack)`: classmethod, reads the declarations of its rules from
  `rules/<family>/rules.toml` (severity, score, product text, legal basis, message: the
  pack declares them, Python keeps none) and calls `build(pack)`, which reads the check's
  own files through the `PackReader` (which records them for the fingerprint and reports
  errors with file and line) and returns a ready instance. One-time work (automata,
  indexes) happens in `build`; override it to read more than `params_file`.
- `check(ctx)`: pure. Never awaits, never touches the network, the database, the clock or
  the environment; `ctx.now` is the clock. Returns findings, made by `finding`.

The evaluation context a check reads is typed: `Context` (posting, normalized text, clock,
portal, per-posting memo) plus the fact slots the check declares by the type it subclasses,
e.g. ``class RegionCheck(Check[RegionContext])`` with
``class RegionContext(Context, ReadsRegistry, Protocol)``. `mypy --strict` refuses a read of
a slot the check did not declare, and the slots declared are the facts the engine resolves
for it (`Check.facts`, derived from the type).

Checks are discovered from the modules of the `verifier.families` packages: adding a family
is adding a package (and its files under `rules/`), never editing the engine.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, Self, TypeVar, get_args

from pydantic import BaseModel, ConfigDict

from verifier.families.rules import Emits, RuleSpec, rules_of
from verifier.models import Evidence, Finding, Posting, Severity, Span

if TYPE_CHECKING:
    from verifier.pack import PackReader
    from verifier.text.match import Folder, Joined
    from verifier.text.normalize import PostingText

T = TypeVar("T")


class FactUnavailable(Exception):
    """A check asked for a fact whose provider failed."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"fact {name!r} unavailable: {reason}")


class Context(Protocol):
    """What every check may read about one posting (facts come from declared slots)."""

    @property
    def posting(self) -> Posting:
        """The posting as submitted."""

    @property
    def text(self) -> PostingText:
        """Its free-text fields, normalized on first use (offsets are the original's)."""

    @property
    def now(self) -> datetime:
        """The clock: the posting's `submitted_at`, else the evaluation time."""

    @property
    def portal(self) -> str:
        """The portal the posting came from (the API key's, else its source URL's host)."""

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """Work several checks share for this posting, built once."""

    def joined(self, folder: Folder, names: list[str]) -> Joined:
        """The named fields' compact form (keywords and contact share it), built once."""


C = TypeVar("C", bound=Context, contravariant=True)


def fact_slots(ctx_type: Any) -> tuple[str, ...]:
    """The fact slots a context type declares: properties of its protocols beyond `Context`."""
    if not isinstance(ctx_type, type):
        return ()
    base = set(vars(Context))
    names: list[str] = []
    for klass in ctx_type.__mro__:
        if klass is Context or not getattr(klass, "_is_protocol", False):
            continue
        names.extend(n for n, v in vars(klass).items()
                     if isinstance(v, property) and n not in base and n not in names)
    return tuple(sorted(names))


class NoParams(BaseModel):
    """Params model for checks that take none."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Check(ABC, Generic[C]):
    """Base class of every check: `Check[Context]`, or `Check[X]` where X adds fact slots."""

    id: ClassVar[str]
    version: ClassVar[str] = "1"
    family: ClassVar[str]
    """The family: the package under `verifier.families` (and folder under `rules/`) the
    check is defined in; set by hand only outside those packages (tests)."""
    emits: ClassVar[Emits]
    """The rule ids this check can raise (a glob where ids are data) and what it fills
    their messages with; the pack declares everything else about them."""
    Params: ClassVar[type[BaseModel]] = NoParams
    params_file: ClassVar[str | None] = None
    """Path under `rules/` of a TOML file validated by `Params`; None for no params."""
    facts: ClassVar[tuple[str, ...]] = ()
    """Names of the facts this check reads, derived from its context type (providers whose
    fact no loaded check reads are not asked: a disabled family costs nothing)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        parts = cls.__module__.split(".")
        if "family" not in vars(cls) and parts[:2] == ["verifier", "families"] and len(parts) > 3:
            cls.family = parts[2]
        if "facts" in vars(cls):
            return  # declared by hand (tests of the engine's fail-closed path)
        for base in vars(cls).get("__orig_bases__", ()):
            args = get_args(base)
            if args and getattr(base, "__origin__", None) is Check:
                cls.facts = fact_slots(args[0])

    def __init__(self, params: Any) -> None:
        self.params = params
        self.rules: dict[str, RuleSpec] = {}
        """The pack's declarations of the rules this check emits (set by `load`)."""

    @classmethod
    def load(cls, pack: PackReader) -> Self:
        """Build the check from the rule pack, with the declarations of its rules."""
        rules = cls.declared(pack)
        check = cls.build(pack)
        check.rules = rules
        return check

    @classmethod
    def declared(cls, pack: PackReader) -> dict[str, RuleSpec]:
        """The pack's declarations of the rules this check emits (`rules/<family>/rules.toml`);
        problems are recorded on `pack` with file and line."""
        return rules_of(pack, cls.family, cls.id, cls.emits)

    @classmethod
    def build(cls, pack: PackReader) -> Self:
        """Build the check from its data files; override to read more than `params_file`."""
        params = pack.params(cls.params_file, cls.Params) if cls.params_file else cls.Params()
        return cls(params)

    @abstractmethod
    def check(self, ctx: C) -> list[Finding]:
        """Judge one posting. Pure: no I/O, no clock (use `ctx.now`)."""

    def tags(self, ctx: C) -> list[str]:
        """Tags this check gives the decision (campaign, 专精特新 ...); none by default."""
        return []

    def finding(
        self,
        rule: str,
        *,
        say: str | None = None,
        fill: Mapping[str, object] | None = None,
        spans: list[Span] | None = None,
        data: dict[str, Any] | None = None,
        severity: Severity | None = None,
        score: float | None = None,
    ) -> Finding:
        """A finding of one of this check's rules, as the pack declares it: the message is the
        rule's template for case `say` filled with `fill` (the check writes none); the
        severity is the rule's unless the evidence sets one, at most its `max_severity`; the
        score is the rule's unless given; the rule's legal basis is cited in
        `evidence.data.legal_basis`; a shadow rule's finding is shadow."""
        spec = self.rules[rule]
        text = spec.render(say, fill or {})
        facts = dict(data or {})
        if spec.legal_basis is not None:
            facts.setdefault("legal_basis", spec.legal_basis)
        return Finding(
            rule=rule,
            severity=spec.cap(severity or spec.severity),
            score=(spec.score or 0.0) if score is None else score,
            message=text,
            evidence=Evidence(spans=spans or [], data=facts),
            shadow=spec.shadow,
        )
