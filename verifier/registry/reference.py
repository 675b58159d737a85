"""The registry's reference tables, read from the configured rule pack and installed per process.

Name normalization (`registry/names.toml`, `registry/divisions.csv`) and code validation
(`registry/uscc_authorities.csv`, `registry/divisions.csv`) run in the importer, the
registry index and lookups, duplicate keys and the checks. They use the tables installed
here: the service and every command install them from `Settings.rules_dir` at start
(`use_rules_dir`), and the catalog reads the same files through its pack reader, so
`rules_version` fingerprints them and a reload installs the new ones with the new catalog.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from verifier.pack import PackReader, RuleIssue, RulePackError
from verifier.registry import names, uscc

FILES = ("registry/names.toml", "registry/divisions.csv", "registry/uscc_authorities.csv")


@dataclass(frozen=True)
class Reference:
    """Name-structure rules and USCC tables of one rule pack."""

    names: names.NameRules
    uscc: uscc.UsccTables

    @classmethod
    def from_pack(cls, pack: PackReader) -> Reference:
        """Read every reference table through `pack` (issues are recorded there)."""
        return cls(names.NameRules.from_pack(pack), uscc.UsccTables.from_pack(pack))


def load(rules_dir: Path) -> Reference:
    """The reference tables of the pack under `rules_dir`; RulePackError on any problem."""
    root = Path(rules_dir)
    if not root.is_dir():
        raise RulePackError([RuleIssue(str(root), 0, "rule pack directory not found")])
    pack = PackReader(root)
    ref = Reference.from_pack(pack)
    if pack.issues:
        raise RulePackError(pack.issues)
    return ref


def install(ref: Reference) -> None:
    """Make `ref` what this process normalizes names and validates codes with."""
    names.install_name_rules(ref.names)
    uscc.install_tables(ref.uscc)


def installed() -> Reference | None:
    """What this process uses now (None before any install)."""
    got_names, got_uscc = names.installed_name_rules(), uscc.installed_tables()
    if got_names is None or got_uscc is None:
        return None
    return Reference(got_names, got_uscc)


def use_rules_dir(rules_dir: Path) -> Reference:
    """Load the tables under `rules_dir` and install them."""
    ref = load(rules_dir)
    install(ref)
    return ref
