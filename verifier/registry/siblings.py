"""Sibling shells: registered enterprises sharing one founding date, capital and scope.

Shell companies registered in a batch by one operator come out of the registry identical in
three fields no two independent founders would both choose: the establishment date, the
registered capital and the business-scope text. `shell_key(record)` is that triple (the
scope normalized: width, case, traditional characters, whitespace and punctuation folded,
then hashed); a record missing any of the three has no key and no siblings. Both lookup
backends group records by this key (the memory index in an int64 hash map rebuilt with the
index; PostgreSQL through an expression index on date and capital, the scope compared here),
and the registry fact carries the employer's group as `Siblings`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from verifier.registry.records import EnterpriseRecord, PlaceRef
from verifier.text.normalize import normalize

SIBLING_SAMPLE = 5
"""Siblings named in the fact (the count covers all of them)."""
SCOPE_EXCERPT = 40
_NOISE = re.compile(r"[\s\W_]+")


def scope_norm(scope: str) -> str:
    """The business scope as compared: normalized, whitespace and punctuation removed."""
    return _NOISE.sub("", normalize(scope))


def capital_key(record: EnterpriseRecord) -> str | None:
    """Registered capital as compared: currency and amount in yuan units, to the yuan."""
    if record.capital_amount is not None:
        return f"{record.capital_currency or 'CNY'}:{round(record.capital_amount)}"
    if record.capital_cny is not None:
        return f"CNY:{round(record.capital_cny)}"
    return None


def shell_key(record: EnterpriseRecord) -> str | None:
    """`date|capital|scope-hash`, or None when the record lacks one of the three (or its
    scope is only punctuation): such a record is nobody's sibling."""
    capital = capital_key(record)
    if record.established is None or capital is None or not record.business_scope:
        return None
    digest = _scope_digest(record.business_scope)
    if digest is None:
        return None
    return f"{record.established.isoformat()}|{capital}|{digest}"


@lru_cache(maxsize=4096)
def _scope_digest(scope: str) -> str | None:
    """The hash of a normalized scope (None when it is only punctuation). Cached: the
    registry fact asks for the employer's key on every posting, and an employer posts many
    times; normalizing a few hundred characters of scope costs tens of microseconds."""
    norm = scope_norm(scope)
    return hashlib.blake2b(norm.encode(), digest_size=12).hexdigest() if norm else None


def shell_hash(key: str) -> int:
    """A stable signed 64-bit hash of a shell key (the memory index's map key)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little",
                          signed=True)


def _is_self(record: EnterpriseRecord, other: EnterpriseRecord) -> bool:
    if record.uscc and other.uscc:
        return other.uscc == record.uscc
    return other.name == record.name


def _is_family(record: EnterpriseRecord, other: EnterpriseRecord) -> bool:
    """Whether `other` is the record's parent or one of its (or its parent's) branches."""
    codes = {c for c in (record.uscc, record.branch_of) if c}
    return other.branch_of in codes or (other.uscc is not None and other.uscc in codes)


@dataclass(frozen=True)
class Siblings:
    """The employer's sibling shells: other records with its date, capital and scope."""

    established: date
    capital: str | None
    """The capital as registered (`capital_raw`), for the reviewer."""
    scope: str
    """The first `SCOPE_EXCERPT` characters of the shared business scope."""
    count: int
    """How many other records share the key (all of them, not only `sample`)."""
    sample: tuple[PlaceRef, ...]
    """Up to `SIBLING_SAMPLE` of them, in registry order."""


def siblings_from(record: EnterpriseRecord, key: str, others: list[EnterpriseRecord],
                  group: int | None = None) -> Siblings | None:
    """The fact value for `record`, whose `shell_key` is `key` (the caller looked the group
    up by it), given records found under it (collisions, the record itself and its parent or
    branches dropped here). `group` is the size of the whole group (the record itself
    included) when `others` is only its first part."""
    if record.established is None or record.business_scope is None:
        return None
    same = [o for o in others if shell_key(o) == key and not _is_self(record, o)
            and not _is_family(record, o)]
    total = len(same)
    if group is not None and group > len(others):
        seen_self = any(_is_self(record, o) for o in others)
        total += group - len(others) - (0 if seen_self else 1)
    return Siblings(
        established=record.established,
        capital=record.capital_raw,
        scope=record.business_scope.strip()[:SCOPE_EXCERPT],
        count=total,
        sample=tuple(PlaceRef(o.uscc, o.name, o.division_code) for o in same[:SIBLING_SAMPLE]),
    )
