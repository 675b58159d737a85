"""Text features: hashed character 1–3-grams with TF-IDF weights, in numpy only.

One function (`grams`) turns a normalized text into hashed n-gram buckets; training and
serving both call it, so the features a model was trained on are exactly those it is served.
Digits are folded to 0 (phone numbers, job ids and dates are identity, not fraud cues). Each
n-gram of 1–3 code points packs exactly into 63 bits (21 bits a code point; a longer gram is
always a larger number), is salted by field and hashed by multiply-shift into 2**bits buckets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FIELDS = ("title", "description")
MAX_CHARS = 4000
"""Characters of a field read (the start of a long description says what the job is)."""
_MUL = np.uint64(0x9E3779B97F4A7C15)
_SALT = {name: np.uint64((i + 1) * 0x5851F42D4C957F2D % 2**63) for i, name in enumerate(FIELDS)}
_ZERO, _NINE = ord("0"), ord("9")

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Grams:
    """The buckets of one field's n-grams: distinct buckets, counts, first position of each."""

    buckets: Ints
    counts: Ints
    first: Ints
    """Index into the concatenated gram list of each bucket's first gram (see `locate`)."""
    length: int
    """Code points read."""


def grams(norm: str, field: str, bits: int) -> Grams:
    """Hashed 1–3-gram buckets of a normalized text, counted."""
    text = norm[:MAX_CHARS]
    c = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    c = np.where((c >= _ZERO) & (c <= _NINE), _ZERO, c).astype(np.uint64)
    n = len(c)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Grams(empty, empty, empty, 0)
    parts = [c]
    if n > 1:
        parts.append((c[:-1] << np.uint64(21)) | c[1:])
    if n > 2:
        parts.append((c[:-2] << np.uint64(42)) | (c[1:-1] << np.uint64(21)) | c[2:])
    keys = np.concatenate(parts) ^ _SALT[field]
    hashed = ((keys * _MUL) >> np.uint64(64 - bits)).astype(np.int64)
    buckets, first, counts = np.unique(hashed, return_index=True, return_counts=True)
    return Grams(buckets, counts.astype(np.int64), first.astype(np.int64), n)


def locate(g: Grams, k: int) -> tuple[int, int]:
    """(start, end) in the field of the first gram that fell into bucket `g.buckets[k]`."""
    i = int(g.first[k])
    n = g.length
    if i < n:
        return i, i + 1
    if i < 2 * n - 1:
        return i - n, i - n + 2
    j = i - (2 * n - 1)
    return j, j + 3


def tfidf(g: Grams, idf: npt.NDArray[np.floating]) -> Floats:
    """Sublinear TF × IDF of a field's buckets, L2-normalized (zeros for an empty field)."""
    if len(g.buckets) == 0:
        return np.zeros(0)
    x = (1.0 + np.log(g.counts)) * idf[g.buckets]
    norm = float(np.sqrt(np.dot(x, x)))
    return x / norm if norm else x
