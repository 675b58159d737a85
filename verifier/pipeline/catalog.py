"""The catalog: the checks and policy of one rule pack, loaded, validated and fingerprinted.

("Registry" already means the enterprise registry, hence "catalog".) Check classes are
discovered from the modules of the `verifier.families` packages; each loads the
declarations of the rules it emits from `rules/<family>/rules.toml`. Duplicate check or
rule ids are refused, and so is any problem in the pack's files, with file and line: a
declared rule outside its family's prefix or emitted by none of its checks too. The
engine's own rule, `engine.check_failed`, is declared in `rules/engine.toml` and read here,
apart from every family, so a pack in force always has it. `rules_version` is a hash of
every file read plus each check's id and version, so a decision names exactly what decided.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verifier.families.base import Check
from verifier.families.rules import (
    ENGINE_FILE,
    RuleSpec,
    declarations,
    family_problems,
    says,
)
from verifier.models import RuleInfo, Severity
from verifier.pack import PackReader, RuleIssue, RulePackError
from verifier.pipeline.policy import Policy, PolicyConfig

if TYPE_CHECKING:
    from verifier.registry.reference import Reference

CHECK_FAILED = "engine.check_failed"
_CHECK_FAILED_SAYS = says("check")
"""The engine fills `engine.check_failed`'s message with the failed check's id."""


def _check_failed(reader: PackReader) -> RuleSpec | None:
    """`engine.toml`: the one rule the engine emits. It must hold the posting (fail closed):
    flag or reject, never capped to info, never shadow."""
    declared = declarations(reader, ENGINE_FILE)
    for rid, d in declared.items():
        if rid != CHECK_FAILED:
            reader.fail(d.file, d.line, f"rule {rid!r}: the engine emits only {CHECK_FAILED!r}")
    found = declared.get(CHECK_FAILED)
    if found is None:
        if declared:
            reader.fail(ENGINE_FILE, 0, f"rule {CHECK_FAILED!r} is not declared")
        return None
    d, spec = found, found.spec
    if problem := _CHECK_FAILED_SAYS.problem(spec):
        reader.fail(d.file, d.message_line, f"rule {CHECK_FAILED!r}: {problem}")
    else:
        try:  # the engine must never fail to say that a check failed
            spec.render(None, {"check": "content"})
        except ValueError as exc:
            reader.fail(d.file, d.message_line, f"rule {CHECK_FAILED!r}: message: {exc}")
    if Severity.info in (spec.severity, spec.max_severity) or spec.shadow:
        reader.fail(d.file, d.line, f"rule {CHECK_FAILED!r} must hold the posting (fail "
                                    "closed): severity flag or reject, no info cap, no shadow")
    return spec


def _disabled_checks(
    reader: PackReader, classes: list[type[Check[Any]]], strict: bool
) -> set[str]:
    """`disabled_checks` of policy.toml (read again, validated, below); unknown ids refused."""
    parsed = reader.child().toml("policy.toml")  # problems are reported by the full read
    if parsed is None:
        return set()
    data, text = parsed
    names = data.get("disabled_checks", [])
    if not isinstance(names, list):
        return set()  # the model validation below reports the type
    known = {k.id for k in classes}
    out: set[str] = set()
    for name in names:
        if not isinstance(name, str):
            continue
        if strict and name not in known:
            line = next((i for i, ln in enumerate(text.splitlines(), 1) if f'"{name}"' in ln), 0)
            reader.fail("policy.toml", line, f"disabled_checks: no check {name!r} "
                        f"(known: {', '.join(sorted(known))})")
        out.add(name)
    return out


def _reference(reader: PackReader, issues: list[RuleIssue], *, required: bool) -> Reference | None:
    """The registry reference tables, read through `reader` so they are fingerprinted (a
    pack loaded with a subset of the checks, in tests, may lack them)."""
    from verifier.registry.reference import FILES, Reference

    if not required and not all(reader.exists(f) for f in FILES):
        return None
    sub = reader.child()
    ref = Reference.from_pack(sub)
    issues.extend(i for i in sub.issues if i not in issues)  # a check may have read them
    reader.files.update(sub.files)
    return ref


def _policy(reader: PackReader, rules: dict[str, tuple[str, str, RuleSpec]]) -> PolicyConfig:
    """`policy.toml`: its combinations join `rules`. Per-rule defaults there are refused: a
    rule's severity, score and shadow are declared with the rule."""
    parsed = reader.toml("policy.toml")
    if parsed is None:
        return PolicyConfig()
    data, text = parsed
    if "rules" in data:
        line = next((i for i, ln in enumerate(text.splitlines(), 1)
                     if re.match(r"\s*\[\s*rules\b", ln)), 1)
        reader.fail("policy.toml", line, "rules: a rule's severity, score and shadow are "
                    "declared with the rule (rules/<family>/rules.toml); policy.toml keeps "
                    "thresholds, default_scores, combinations and [[scope]] overrides")
        data = {k: v for k, v in data.items() if k != "rules"}
    got = reader.validate("policy.toml", text, data, PolicyConfig)
    if got is None:
        return PolicyConfig()
    for combo in got.combination:
        rules[f"policy.combination.{combo.name}"] = ("policy", "1", RuleSpec(
            id=f"policy.combination.{combo.name}", severity=combo.severity,
            description=combo.message, score=combo.score))
    return got


def discover_checks() -> list[type[Check[Any]]]:
    """Every concrete Check subclass defined in a module of a `verifier.families` package."""
    import verifier.families as pkg

    found: list[type[Check[Any]]] = []
    for family in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if not family.ispkg or family.name.startswith("_"):
            continue
        fam = importlib.import_module(f"{pkg.__name__}.{family.name}")
        for info in sorted(pkgutil.iter_modules(fam.__path__), key=lambda i: i.name):
            if info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{fam.__name__}.{info.name}")
            for _, obj in inspect.getmembers(module, inspect.isclass):
                if (
                    issubclass(obj, Check)
                    and obj.__module__ == module.__name__
                    and not inspect.isabstract(obj)
                ):
                    found.append(obj)
    return found


@dataclass
class Catalog:
    """A loaded, validated rule pack."""

    root: Path
    checks: list[Check[Any]]
    policy: Policy
    rules_version: str
    rules: dict[str, tuple[str, str, RuleSpec]]  # rule id -> (check id, check version, spec)
    check_failed: RuleSpec
    """`engine.check_failed` as `rules/engine.toml` declares it."""
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    disabled: tuple[str, ...] = ()
    """Check ids left out by `policy.toml` `disabled_checks`."""
    reference: Reference | None = None
    """The registry reference tables of this pack (name rules, USCC tables); fingerprinted
    in `rules_version` and installed with the catalog (`verifier.registry.reference`)."""

    @cached_property
    def facts(self) -> frozenset[str]:
        """Facts some loaded check reads (the engine asks only their providers)."""
        return frozenset(f for c in self.checks for f in c.facts)

    @classmethod
    def load(cls, root: Path, classes: list[type[Check[Any]]] | None = None) -> Catalog:
        """Load and validate the pack under `root`; raise RulePackError listing every issue."""
        root = Path(root)
        if not root.is_dir():
            raise RulePackError([RuleIssue(str(root), 0, "rule pack directory not found")])
        # A pack loaded with a subset of the checks (tests) may declare rules of absent ones.
        strict = classes is None
        classes = discover_checks() if classes is None else classes
        reader = PackReader(root)
        failed = _check_failed(reader)
        disabled = _disabled_checks(reader, classes, strict)
        if strict:
            _family_problems(reader, classes)  # disabled checks' rules stay declared
        checks, rules, issues, stamps = _load_checks(
            reader, [k for k in classes if k.id not in disabled])
        if failed is not None:
            rules[CHECK_FAILED] = ("engine", "1", failed)
        reference = _reference(reader, issues, required=strict)
        policy_cfg = _policy(reader, rules)
        issues.extend(reader.issues)
        if issues or failed is None:
            raise RulePackError(list(dict.fromkeys(issues)))
        version = reader.fingerprint(extra="|".join(stamps))
        scores = {rid: spec.score for rid, (_, _, spec) in rules.items()
                  if spec.score is not None}
        return cls(root, checks, Policy(policy_cfg, scores), version, rules, failed,
                   disabled=tuple(disabled), reference=reference)

    def rule_infos(self) -> list[RuleInfo]:
        """The catalog as `GET /v1/rules` shows it: each rule's declared severity."""
        return [RuleInfo(id=rid, check=check_id, version=version, severity=spec.severity,
                         shadow=spec.shadow, description=spec.description)
                for rid, (check_id, version, spec) in sorted(self.rules.items())]


def _family_problems(reader: PackReader, classes: list[type[Check[Any]]]) -> None:
    """Rules each family declares that none of its checks emits, or outside its prefix."""
    families: dict[str, dict[str, Any]] = {}
    for k in classes:
        families.setdefault(k.family, {})[k.id] = k.emits
    for family, checks in sorted(families.items()):
        family_problems(reader, family, checks)


def _load_checks(reader: PackReader, classes: list[type[Check[Any]]]) -> tuple[
        list[Check[Any]], dict[str, tuple[str, str, RuleSpec]], list[RuleIssue], list[str]]:
    """Each check built through its own child reader; duplicate check and rule ids refused."""
    checks: list[Check[Any]] = []
    rules: dict[str, tuple[str, str, RuleSpec]] = {}
    issues: list[RuleIssue] = []
    stamps: list[str] = []
    seen_ids: set[str] = set()
    for klass in classes:
        if klass.id in seen_ids:
            issues.append(RuleIssue(klass.__module__, 0, f"duplicate check id {klass.id!r}"))
            continue
        if not hasattr(klass, "family"):
            issues.append(RuleIssue(klass.__module__, 0, f"check {klass.id!r} has no family "
                                    "(define it in a verifier.families package)"))
            continue
        seen_ids.add(klass.id)
        sub = reader.child()
        try:
            check = klass.load(sub)
        except RulePackError as exc:
            issues.extend(exc.issues)
            continue
        issues.extend(sub.issues)
        reader.files.update(sub.files)
        checks.append(check)
        stamps.append(f"{klass.id}@{klass.version}")
        for rid, spec in check.rules.items():
            if rid in rules:
                issues.append(RuleIssue(klass.__module__, 0, f"rule id {rid!r} defined twice"))
            rules[rid] = (klass.id, klass.version, spec)
    return checks, rules, issues, stamps
