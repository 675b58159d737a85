"""Fingerprints of posting text: MinHash (datasketch) over character shingles, LSH band keys.

The text is the posting's normalized title and description with spaces, punctuation and
symbols removed (so re-wrapping, full-width commas or inserted emoji do not change it).
Shingles are overlapping character 4-grams, each packed into a 32-bit integer with a fixed
arithmetic hash (no per-process salt: fingerprints are stored and compared across processes).
The MinHash permutations are built once per process. Band keys (``bands`` × ``rows``) are
what the SQL index stores: two postings whose Jaccard similarity is 0.8 share at least one
band with probability 1 − (1 − 0.8⁴)¹⁶ ≈ 0.9998; at 0.3 only 1 − (1 − 0.3⁴)¹⁶ ≈ 0.12.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from datasketch import MinHash

NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS
SHINGLE = 4
_SEED = 20220601
_MIX = np.uint64(0x9E3779B1)
_MASK = np.uint64(0xFFFFFFFF)
_NOT_ALNUM = re.compile(r"[\W_]+")  # everything but str.isalnum() characters (re's \w docs)


def _identity(x: Any) -> Any:
    return x


@cache
def _template() -> MinHash:
    """A MinHash whose permutations every fingerprint reuses (building them costs ~1 ms)."""
    return MinHash(num_perm=NUM_PERM, seed=_SEED, hashfunc=_identity, scheme="affine32")


@cache
def _affine() -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    """datasketch's affine32 permutations (a, b) and its empty signature."""
    t = _template()
    a, b = t.permutations
    return (np.asarray(a, dtype=np.uint32), np.asarray(b, dtype=np.uint32),
            np.asarray(t.hashvalues, dtype=np.uint32))


def _fmix32(h: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """MurmurHash3's 32-bit finalizer (what datasketch's affine32 scheme applies first)."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def minhash(sh: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """The MinHash signature of distinct shingle hashes: the values datasketch's
    `MinHash(scheme="affine32").update_batch` gives (tested), without its per-value Python
    call and object copies (~4x faster on a posting)."""
    a, b, empty = _affine()
    if sh.size == 0:
        return empty.copy()
    with np.errstate(over="ignore"):  # multiplication mod 2^32 is the permutation
        phv = _fmix32(sh.astype(np.uint32))[:, None] * a + b
    out: npt.NDArray[np.uint32] = np.minimum(empty, phv.min(axis=0))
    return out


def _codes(norm: str) -> npt.NDArray[np.uint64]:
    """Code points of the letters, digits and CJK characters of a normalized text."""
    kept = _NOT_ALNUM.sub("", norm)
    return np.frombuffer(kept.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


def shingles(norm: str) -> npt.NDArray[np.uint32]:
    """Distinct 32-bit hashes of the character 4-grams of `norm` (one shingle if shorter)."""
    codes = _codes(norm)
    if codes.size == 0:
        return np.zeros(0, dtype=np.uint32)
    if codes.size < SHINGLE:
        codes = np.concatenate([codes, np.zeros(SHINGLE - codes.size, dtype=np.uint64)])
    h = np.zeros(codes.size - SHINGLE + 1, dtype=np.uint64)
    for k in range(SHINGLE):
        h = ((h * _MIX) ^ codes[k:codes.size - SHINGLE + 1 + k]) & _MASK
    h = (h ^ (h >> np.uint64(15))) * np.uint64(0x2C1B3C6D) & _MASK
    return np.unique(h.astype(np.uint32))


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """A text's MinHash signature (NUM_PERM 32-bit values) and its shingle count."""

    signature: bytes
    size: int

    @classmethod
    def of(cls, norm: str) -> Fingerprint:
        """Fingerprint a normalized text."""
        sh = shingles(norm)
        return cls(minhash(sh).tobytes(), int(sh.size))

    def values(self) -> npt.NDArray[np.uint32]:
        """The signature as an array."""
        return np.frombuffer(self.signature, dtype=np.uint32)

    def similarity(self, other: Fingerprint) -> float:
        """Estimated Jaccard similarity of the two shingle sets (0 when either is empty)."""
        if self.size == 0 or other.size == 0 or len(other.signature) != len(self.signature):
            return 0.0
        return float(np.mean(self.values() == other.values()))

    def band_keys(self) -> list[int]:
        """One signed 64-bit key per band (band number mixed in), for the SQL index."""
        if self.size == 0:
            return []
        return list(_band_keys(self.signature))


@lru_cache(maxsize=65_536)
def _band_keys(raw: bytes) -> tuple[int, ...]:
    width = ROWS * 4
    out = []
    for b in range(BANDS):
        digest = hashlib.blake2b(bytes([b]) + raw[b * width:(b + 1) * width],
                                 digest_size=8).digest()
        out.append(int.from_bytes(digest, "big", signed=True))
    return tuple(out)


def similarities(fp: Fingerprint, others: list[Fingerprint]) -> list[float]:
    """`fp.similarity(o)` for every `o`, in one vectorized comparison."""
    if not others or fp.size == 0:
        return [0.0] * len(others)
    mine = fp.values()
    ok = [o.size > 0 and len(o.signature) == len(fp.signature) for o in others]
    rows = b"".join(o.signature if good else fp.signature
                    for o, good in zip(others, ok, strict=True))
    sims = (np.frombuffer(rows, dtype=np.uint32).reshape(len(others), -1) == mine).mean(axis=1)
    return [float(s) if good else 0.0 for s, good in zip(sims, ok, strict=True)]
