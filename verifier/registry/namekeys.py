"""The two matching keys stored with every registry name: normalized full name and 字号.

Both come from `verifier.registry.names.normalize_name` (owned by the name-matching half of
the registry); this adapter is the one place the store and importer call, so the tables
and the lookup backends always agree on the keys.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=65536)
def name_keys(name: str) -> tuple[str, str]:
    """(normalized full name, trade name) of a company name."""
    from verifier.registry.names import normalize_name

    parsed = normalize_name(name)
    return parsed.normalized, parsed.trade_name
