"""The catalog: the checks and policy of one rule pack, loaded, validated and fingerprinted.

("Registry" already means the enterprise registry, hence "catalog".) Check classes are
discovered from the modules of the `verifier.families` packages; duplicate check or rule ids
are refused, and so is any problem in the pack's files, with file and line. `rules_version`
is a hash of every file read plus each check's id and version, so a decision names exactly
what decided.
"""

from __future__ import annotations

import fnmatch
import importlib
import inspect
import pkgutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verifier.families.base import Check, RuleSpec
from verifier.models import RuleInfo, Severity
from verifier.pack import PackReader, RuleIssue, RulePackError
from verifier.pipeline.policy import Policy, PolicyConfig

if TYPE_CHECKING:
    from verifier.registry.reference import Reference

ENGINE_RULES: dict[str, RuleSpec] = {
    "engine.check_failed": RuleSpec(
        Severity.flag,
        "一项检查未能完成（数据源不可用或内部错误），为安全起见转人工审核。"
        "A check could not run; the posting is not approved without a human (fail closed).",
        score=30,
    ),
}


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


def _policy(reader: PackReader, rules: dict[str, tuple[str, str, RuleSpec]],
            off_rules: set[str], *, strict: bool) -> PolicyConfig:
    """`policy.toml`: its combinations join `rules`; with `strict`, every override must name a
    known rule (or a rule of a disabled check)."""
    doc = reader.document("policy.toml", PolicyConfig)
    if doc is None:
        return PolicyConfig()
    got, text = doc
    for combo in got.combination:
        rules[f"policy.combination.{combo.name}"] = (
            "policy", "1", RuleSpec(combo.severity, combo.message, combo.score))
    for key in got.rules if strict else ():
        if not any(fnmatch.fnmatchcase(r, key) for r in (*rules, *off_rules)):
            line = next((i for i, ln in enumerate(text.splitlines(), 1) if key in ln), 0)
            reader.fail("policy.toml", line, f"rule {key!r} matches no known rule")
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
        issues: list[RuleIssue] = []
        if not root.is_dir():
            raise RulePackError([RuleIssue(str(root), 0, "rule pack directory not found")])
        # A pack loaded with a subset of the checks (tests) may name rules of absent ones.
        strict_policy = classes is None
        classes = discover_checks() if classes is None else classes
        reader = PackReader(root)
        disabled = _disabled_checks(reader, classes, strict_policy)
        # Policy entries may still name rules of disabled checks (they just never apply).
        off_rules = {rid for k in classes if k.id in disabled for rid in k.rules}
        classes = [k for k in classes if k.id not in disabled]
        checks: list[Check[Any]] = []
        rules: dict[str, tuple[str, str, RuleSpec]] = {
            rid: ("engine", "1", spec) for rid, spec in ENGINE_RULES.items()
        }
        seen_ids: set[str] = set()
        stamps: list[str] = []
        for klass in classes:
            if klass.id in seen_ids:
                issues.append(RuleIssue(klass.__module__, 0, f"duplicate check id {klass.id!r}"))
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
            for rid, spec in klass.rules.items():
                if rid in rules:
                    issues.append(
                        RuleIssue(klass.__module__, 0, f"rule id {rid!r} defined twice")
                    )
                rules[rid] = (klass.id, klass.version, spec)
        reference = _reference(reader, issues, required=strict_policy)
        policy_cfg = _policy(reader, rules, off_rules, strict=strict_policy)
        issues.extend(reader.issues)
        if issues:
            raise RulePackError(issues)
        version = reader.fingerprint(extra="|".join(stamps))
        return cls(root, checks, Policy(policy_cfg), version, rules, disabled=tuple(disabled),
                   reference=reference)

    def rule_infos(self) -> list[RuleInfo]:
        """The catalog as `GET /v1/rules` shows it, severities after policy overrides."""
        out = []
        for rid, (check_id, version, spec) in sorted(self.rules.items()):
            ov = self.policy.override(rid)
            out.append(
                RuleInfo(
                    id=rid,
                    check=check_id,
                    version=version,
                    severity=ov.severity if ov and ov.severity else spec.severity,
                    shadow=bool(ov and ov.shadow),
                    description=spec.description,
                )
            )
        return out
