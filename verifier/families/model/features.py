"""Text features: hashed character 1–3-grams with TF-IDF weights, in numpy only.

One function (`grams`) turns a posting's normalized title and description into hashed n-gram
buckets; training and serving both call it, so the features a model was trained on are
exactly those it is served. Digits are folded to 0 (phone numbers, job ids and dates are
identity, not fraud cues). Each n-gram of 1–3 code points packs exactly into 63 bits (21 bits
a code point; a longer gram is always a larger number), is salted by field and hashed by
multiply-shift into 2**bits buckets. The vector is sublinear TF × IDF over both fields,
L2-normalized once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FIELDS = ("title", "description")
MAX_CHARS = 4000
"""Characters of a field read (the start of a long description says what the job is)."""
_MUL = np.uint64(0x9E3779B97F4A7C15)
_SALT = {name: np.uint64((i + 1) * 0x5851F42D4C957F2D % 2**63) for i, name in enumerate(FIELDS)}
_ZERO, _NINE = ord("0"), ord("9")
_S21, _S42 = np.uint64(21), np.uint64(42)

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Grams:
    """The buckets of a posting's n-grams: distinct buckets with their counts, and every
    gram's bucket in order (to find the text behind a bucket, `locate`)."""

    buckets: Ints
    counts: Ints
    hashed: npt.NDArray[np.uint32]
    """Each gram's bucket: per field its 1-grams, then 2-grams, then 3-grams."""
    segments: tuple[tuple[str, int, int], ...]
    """(field, offset of its grams in `hashed`, code points read) per field."""


def _keys(text: str, field: str) -> tuple[npt.NDArray[np.uint64], int]:
    c32 = np.frombuffer(text[:MAX_CHARS].encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    n = len(c32)
    c = np.where((c32 >= _ZERO) & (c32 <= _NINE), np.uint32(_ZERO), c32).astype(np.uint64)
    if n < 3:
        parts = [c] + ([(c[:-1] << _S21) | c[1:]] if n == 2 else [])
        return np.concatenate(parts) ^ _SALT[field], n
    hi = c[:-1] << _S21
    bi = hi | c[1:]
    tri = (hi[:-1] << _S21) | bi[1:]
    return np.concatenate((c, bi, tri)) ^ _SALT[field], n


def grams(fields: Sequence[tuple[str, str]], bits: int) -> Grams:
    """Hashed 1–3-gram buckets of (field, normalized text) pairs, counted."""
    keys, segments, at = [], [], 0
    for name, text in fields:
        k, n = _keys(text, name)
        keys.append(k)
        segments.append((name, at, n))
        at += len(k)
    allk = np.concatenate(keys) if keys else np.zeros(0, dtype=np.uint64)
    hashed = ((allk * _MUL) >> np.uint64(64 - bits)).astype(np.uint32)
    if not len(hashed):
        empty = np.zeros(0, dtype=np.int64)
        return Grams(empty, empty, hashed, tuple(segments))
    srt = np.sort(hashed)  # 32-bit sort: several times faster than np.unique on 64-bit keys
    new = np.empty(len(srt), dtype=bool)
    new[0] = True
    np.not_equal(srt[1:], srt[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    counts = np.diff(starts, append=len(srt))
    return Grams(srt[starts].astype(np.int64), counts, hashed, tuple(segments))


def locate(g: Grams, k: int) -> tuple[str, int, int]:
    """(field, start, end) of the first gram that fell into bucket `g.buckets[k]`."""
    i = int(np.flatnonzero(g.hashed == g.buckets[k])[0])
    for name, offset, n in g.segments:
        j = i - offset
        grams_here = n + max(n - 1, 0) + max(n - 2, 0)
        if j >= grams_here:
            continue
        if j < n:
            return name, j, j + 1
        if j < 2 * n - 1:
            return name, j - n, j - n + 2
        j -= 2 * n - 1
        return name, j, j + 3
    raise IndexError(k)


def tfidf(g: Grams, idf: npt.NDArray[np.floating]) -> Floats:
    """Sublinear TF × IDF of the buckets, L2-normalized (empty for no text)."""
    if not len(g.buckets):
        return np.zeros(0)
    x = (1.0 + np.log(g.counts)) * idf[g.buckets]
    norm = float(np.sqrt(np.dot(x, x)))
    return x / norm if norm else x
