"""Field-level differences between two versions of a posting; text fields also get a
character-level diff (Chinese has no spaces to split words on, so characters are the unit)."""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Any

from verifier.review.schemas import FieldChange

_MAX_DIFF_CHARS = 20_000
"""Longer texts are compared whole (changed or not), without a character diff."""


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects as dotted keys (`salary.min`); lists stay values."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


def char_ops(old: str, new: str) -> list[tuple[str, str, str]]:
    """difflib opcodes over characters: [op, old text, new text]."""
    m = SequenceMatcher(None, old, new, autojunk=False)
    return [(tag, old[i1:i2], new[j1:j2]) for tag, i1, i2, j1, j2 in m.get_opcodes()]


def posting_diff(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    """Every field whose value differs, in the new posting's field order, then removed ones;
    `posting_id` and `submitted_at` are left out (the same posting, a new submission)."""
    a, b = flatten(old), flatten(new)
    names = [k for k in b if k not in ("posting_id", "submitted_at")]
    names += [k for k in a if k not in b and k not in ("posting_id", "submitted_at")]
    out: list[FieldChange] = []
    for name in names:
        va, vb = a.get(name), b.get(name)
        if va == vb:
            continue
        ops: list[tuple[str, str, str]] = []
        if (isinstance(va, str) or va is None) and (isinstance(vb, str) or vb is None):
            sa, sb = va or "", vb or ""
            if len(sa) + len(sb) <= _MAX_DIFF_CHARS:
                ops = char_ops(sa, sb)
        out.append(FieldChange(field=name, old=va, new=vb, ops=ops))
    return out
