"""In-memory registry index: exact keys and rare-bigram blocking for fuzzy name lookups.

API:
- `NameIndex.build(records)` (or `IndexBuilder.add(record)` then `.finish()`): compact
  numpy arrays, one entry per name (registered name, each former name, each brand alias).
- `index.by_uscc(code)`, `index.by_regno(regno)` → record or None;
  `index.by_name(name, limit)` → list of `NameMatch` (exact canonical name / former / alias
  first, then the parent of a branch, then fuzzy over at most `MAX_CANDIDATES` entries
  chosen by the rarest bigrams and the exact 字号 of the query, scored with rapidfuzz);
  `index.branches_of(uscc)` → the `PlaceRef`s of records whose `branch_of` is that USCC
  (kept in their own small column: no record is decoded);
  `index.siblings_of(record)` → the record's sibling shells (`verifier.registry.siblings`:
  same founding date, capital and scope), grouped under a 64-bit hash of that key.

Memory: strings live in joined columns with offset arrays, records as zlib-compressed JSON
(a preset dictionary makes 200-byte records compress), keys as sorted int64 hash arrays
searched with `searchsorted` — no per-record Python objects, also while building (the builder
appends to `array`s, a `bytearray` and chunk-joined string columns). 1,000,000 records: 232 MB
of arrays, 336 MB resident after `gc.collect()` (bench/registry.py). Query parses and decoded
records are memoized (bounded) because employer names repeat across postings.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from verifier.registry.match import (
    MATCH_THRESHOLD,
    MIN_SCORE,
    NameMatch,
    Structure,
    score_structures,
    settle,
)
from verifier.registry.names import ParsedName, normalize_name, parse_cached
from verifier.registry.records import EnterpriseRecord, PlaceRef
from verifier.registry.siblings import Siblings, shell_hash, shell_key, siblings_from

MAX_CANDIDATES = 300
RECORD_CACHE = 4096  # decoded records kept per index (cleared when full)
SIBLINGS_DECODED = 32
"""Members of a shell group decoded per lookup (to name them and drop the employer itself);
a larger group is counted from the map alone (its keys are a 64-bit cryptographic hash)."""
KIND_CODES = ("name", "former", "alias")
_ZDICT = (
    '"status_raw":"存续","status":"active","established":"20","division_code":"'
    '"industry":"","capital_raw":"万元人民币","capital_cny":0000.0,"capital_currency":"CNY",'
    '"size_class":"小型","微型","中型","source":"synthetic"}{"uscc":"91","name":"有限公司'
    "科技技术贸易商贸实业投资信息网络工程建筑服务管理咨询北京上海广州深圳"
).encode()

I64 = npt.NDArray[np.int64]
U32 = npt.NDArray[np.uint32]


def _bigrams(s: str) -> list[str]:
    return [s[i : i + 2] for i in range(len(s) - 1)] if len(s) > 1 else [s] if s else []


def _structure(p: ParsedName) -> str:
    return "\t".join((",".join(p.regions), p.trade, p.industry, p.form, p.name_norm))


@dataclass(frozen=True, slots=True)
class _HashMap:
    """Sorted int64 keys (Python str hashes) → uint32 values; duplicates allowed."""

    keys: I64
    vals: U32

    @classmethod
    def of(cls, keys: array[int], vals: array[int]) -> _HashMap:
        """Sort a builder's key/value arrays (copied once into numpy, then released)."""
        k = np.frombuffer(keys, dtype=np.int64) if len(keys) else np.zeros(0, np.int64)
        v = np.frombuffer(vals, dtype=np.uint32) if len(vals) else np.zeros(0, np.uint32)
        order = np.argsort(k, kind="stable")
        return cls(k[order], v[order])

    def get_hash(self, h: int) -> U32:
        """Values stored under the precomputed key `h`."""
        lo = int(self.keys.searchsorted(h))
        hi = int(self.keys.searchsorted(h, "right"))
        return self.vals[lo:hi]

    def get(self, key: str) -> U32:
        """Values stored under `key`'s hash (one binary search, then a short forward scan;
        a second search only for long runs such as common bigrams)."""
        h = hash(key)
        keys = self.keys
        lo = hi = int(keys.searchsorted(h))
        end = min(len(keys), lo + 8)
        while hi < end and keys[hi] == h:
            hi += 1
        if hi == lo + 8 and hi < len(keys) and keys[hi] == h:
            hi = int(keys.searchsorted(h, "right"))
        return self.vals[lo:hi]


def _pair() -> tuple[array[int], array[int]]:
    return array("q"), array("I")


class _Column:
    """A string column built by appending: chunks joined every `_CHUNK` values, end offsets."""

    _CHUNK = 8192

    def __init__(self) -> None:
        self.chunks: list[str] = []
        self.pending: list[str] = []
        self.ends = array("q", [0])

    def append(self, value: str) -> None:
        self.pending.append(value)
        self.ends.append(self.ends[-1] + len(value))
        if len(self.pending) >= self._CHUNK:
            self.chunks.append("".join(self.pending))
            self.pending = []

    def freeze(self) -> tuple[str, I64]:
        text = "".join([*self.chunks, *self.pending])
        self.chunks, self.pending = [], []
        return text, np.frombuffer(self.ends, dtype=np.int64).copy()


@dataclass
class IndexBuilder:
    """Accumulates records into typed arrays (no per-record Python objects), then freezes them
    into a `NameIndex`."""

    _blob: bytearray = field(default_factory=bytearray)
    _blob_ends: array[int] = field(default_factory=lambda: array("q", [0]))
    _uscc: tuple[array[int], array[int]] = field(default_factory=_pair)
    _regno: tuple[array[int], array[int]] = field(default_factory=_pair)
    _names: tuple[array[int], array[int]] = field(default_factory=_pair)
    _trades: tuple[array[int], array[int]] = field(default_factory=_pair)
    _grams: tuple[array[int], array[int]] = field(default_factory=_pair)
    _ent_rec: array[int] = field(default_factory=lambda: array("I"))
    _ent_kind: array[int] = field(default_factory=lambda: array("B"))
    _structs: _Column = field(default_factory=_Column)
    _trade_col: _Column = field(default_factory=_Column)
    _branches: tuple[array[int], array[int]] = field(default_factory=_pair)
    _branch_col: _Column = field(default_factory=_Column)
    _shells: tuple[array[int], array[int]] = field(default_factory=_pair)

    def add(self, record: EnterpriseRecord, parsed: ParsedName | None = None) -> None:
        """Add one record with its former names and aliases."""
        rid = len(self._blob_ends) - 1
        comp = zlib.compressobj(6, zdict=_ZDICT)
        raw = record.model_dump_json(exclude_defaults=True).encode()
        self._blob += comp.compress(raw) + comp.flush()
        self._blob_ends.append(len(self._blob))
        for target, code in ((self._uscc, record.uscc), (self._regno, record.regno)):
            if code:
                target[0].append(hash(code))
                target[1].append(rid)
        if record.branch_of:
            self._branches[0].append(hash(record.branch_of))
            self._branches[1].append(len(self._branch_col.ends) - 1)
            self._branch_col.append("\t".join((record.branch_of, record.uscc or "",
                                                record.division_code or "", record.name)))
        shell = shell_key(record)
        if shell is not None:
            self._shells[0].append(shell_hash(shell))
            self._shells[1].append(rid)
        names = [(0, parsed or normalize_name(record.name))]
        names += [(1, normalize_name(n)) for n in record.former_names]
        names += [(2, normalize_name(n)) for n in record.aliases]
        for kind, p in names:
            eid = len(self._ent_rec)
            self._ent_rec.append(rid)
            self._ent_kind.append(kind)
            self._structs.append(_structure(p))
            self._trade_col.append(p.trade)
            self._names[0].append(hash(p.name_norm))
            self._names[1].append(eid)
            self._trades[0].append(hash(p.trade))
            self._trades[1].append(eid)
            for g in set(_bigrams(p.trade)):
                self._grams[0].append(hash(g))
                self._grams[1].append(eid)

    def finish(self) -> NameIndex:
        """Freeze into compact arrays (the builder is emptied)."""
        structs, s_off = self._structs.freeze()
        trades, t_off = self._trade_col.freeze()
        branch_col, b_off = self._branch_col.freeze()
        index = NameIndex(
            trade_col=trades,
            trade_off=t_off,
            blob=bytes(self._blob),
            offsets=np.frombuffer(self._blob_ends, dtype=np.int64).copy(),
            structs=structs,
            struct_off=s_off,
            ent_rec=np.frombuffer(self._ent_rec, dtype=np.uint32).copy(),
            ent_kind=np.frombuffer(self._ent_kind, dtype=np.uint8).copy(),
            uscc=_HashMap.of(*self._uscc),
            regno=_HashMap.of(*self._regno),
            names=_HashMap.of(*self._names),
            trades=_HashMap.of(*self._trades),
            grams=_HashMap.of(*self._grams),
            branches=_HashMap.of(*self._branches),
            branch_col=branch_col,
            branch_off=b_off,
            shells=_HashMap.of(*self._shells),
        )
        self.__init__()  # type: ignore[misc]  # release the arrays
        return index


@dataclass(frozen=True)
class NameIndex:
    """Frozen in-memory registry index (build with `IndexBuilder` or `NameIndex.build`)."""

    trade_col: str
    trade_off: I64
    blob: bytes
    offsets: I64
    structs: str
    struct_off: I64
    ent_rec: U32
    ent_kind: npt.NDArray[np.uint8]
    uscc: _HashMap
    regno: _HashMap
    names: _HashMap
    trades: _HashMap
    grams: _HashMap
    branches: _HashMap
    branch_col: str
    branch_off: I64
    shells: _HashMap = field(default_factory=lambda: _HashMap.of(*_pair()))
    _decoded: dict[int, EnterpriseRecord] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(cls, records: Iterable[EnterpriseRecord]) -> NameIndex:
        """Index every record."""
        b = IndexBuilder()
        for r in records:
            b.add(r)
        return b.finish()

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def nbytes(self) -> int:
        """Bytes held by the index's columns and arrays (str columns at 2 bytes a character)."""
        maps = (self.uscc, self.regno, self.names, self.trades, self.grams, self.branches,
                self.shells)
        arrays = (self.trade_off, self.offsets, self.struct_off, self.ent_rec, self.ent_kind,
                  self.branch_off)
        return (len(self.blob) + 2 * (len(self.structs) + len(self.trade_col)
                                      + len(self.branch_col))
                + sum(a.nbytes for a in arrays) + sum(m.keys.nbytes + m.vals.nbytes for m in maps))

    def record(self, rid: int) -> EnterpriseRecord:
        """Decode one stored record (recently decoded ones come from a small cache)."""
        hit = self._decoded.get(rid)
        if hit is not None:
            return hit
        raw = self.blob[int(self.offsets[rid]) : int(self.offsets[rid + 1])]
        dec = zlib.decompressobj(zdict=_ZDICT)
        rec = EnterpriseRecord.model_validate_json(dec.decompress(raw) + dec.flush())
        if len(self._decoded) >= RECORD_CACHE:
            self._decoded.clear()
        self._decoded[rid] = rec
        return rec

    def clear_cache(self) -> None:
        """Forget decoded records (benchmarks)."""
        self._decoded.clear()

    def structure(self, eid: int) -> Structure:
        """The parsed structure of one entry."""
        text = self.structs[int(self.struct_off[eid]) : int(self.struct_off[eid + 1])]
        regions, trade, industry, form, norm = text.split("\t")
        return Structure(tuple(regions.split(",")) if regions else (), trade, industry, form, norm)

    def by_uscc(self, code: str) -> EnterpriseRecord | None:
        """The record with this USCC (normalized upper-case), or None."""
        for rid in self.uscc.get(code):
            rec = self.record(int(rid))
            if rec.uscc == code:
                return rec
        return None

    def by_regno(self, regno: str) -> EnterpriseRecord | None:
        """The record with this legacy 注册号, or None."""
        for rid in self.regno.get(regno):
            rec = self.record(int(rid))
            if rec.regno == regno:
                return rec
        return None

    def branches_of(self, uscc: str, limit: int) -> list[PlaceRef]:
        """Branches registered under the parent `uscc` (normalized), in load order."""
        out: list[PlaceRef] = []
        for bid in sorted(int(b) for b in self.branches.get(uscc)):
            start, end = int(self.branch_off[bid]), int(self.branch_off[bid + 1])
            parent, code, division, name = self.branch_col[start:end].split("\t", 3)
            if parent == uscc:
                out.append(PlaceRef(code or None, name, division or None))
                if len(out) >= limit:
                    break
        return out

    def siblings_of(self, record: EnterpriseRecord) -> Siblings | None:
        """Other records with the record's founding date, capital and scope (None when it
        lacks one of them). One binary search; at most `SIBLINGS_DECODED` records decoded."""
        key = shell_key(record)
        if key is None:
            return None
        rids = sorted(int(r) for r in self.shells.get_hash(shell_hash(key)))
        others = [self.record(r) for r in rids[:SIBLINGS_DECODED]]
        return siblings_from(record, key, others, len(rids))

    def by_name(self, name: str, limit: int = 3) -> list[NameMatch]:
        """Exact canonical / former / alias hits first, then the branch's parent, then fuzzy."""
        q = parse_cached(name)
        out = self._exact(q, q.name_norm, "")
        if not out and q.branch:
            out = self._exact(q, q.parent_norm, q.branch)
        if out:
            return out[:limit]
        return self._fuzzy(q, limit)

    def _exact(self, q: ParsedName, key: str, branch: str) -> list[NameMatch]:
        out: list[NameMatch] = []
        seen: set[int] = set()
        for eid in sorted(int(e) for e in self.names.get(key)):
            rid = int(self.ent_rec[eid])
            st = self.structure(eid)
            if st.name_norm != key or rid in seen:
                continue
            seen.add(rid)
            kind = "exact" if self.ent_kind[eid] == 0 else KIND_CODES[self.ent_kind[eid]]
            detail = {"key": key, "threshold": MATCH_THRESHOLD}
            out.append(NameMatch(self.record(rid), kind, 100.0, key, branch, detail))
        return out

    def candidates(self, q: ParsedName) -> U32:
        """Entry ids sharing the exact 字号 or one of its rarest bigrams (≤ MAX_CANDIDATES)."""
        parts = [self.trades.get(q.trade)[:MAX_CANDIDATES]]
        total = len(parts[0])
        for p in sorted((self.grams.get(g) for g in set(_bigrams(q.trade))), key=len):
            if total + len(p) > MAX_CANDIDATES:
                break
            parts.append(p)
            total += len(p)
        return np.unique(np.concatenate(parts)) if len(parts) > 1 else parts[0]

    def _fuzzy(self, q: ParsedName, limit: int) -> list[NameMatch]:
        eids = self.candidates(q).tolist()
        if not eids:
            return []
        col, off = self.trade_col, self.trade_off
        starts = off[eids].tolist()
        ends = off[np.asarray(eids) + 1].tolist()
        trades = [col[a:b] for a, b in zip(starts, ends, strict=True)]
        pre = process.extract(q.trade, trades, scorer=fuzz.ratio, score_cutoff=50, limit=10)
        best: dict[int, tuple[float, Structure, int, dict[str, Any]]] = {}
        for _, _, i in pre:
            st = self.structure(eids[i])
            score, detail = score_structures(q, st)
            rid = int(self.ent_rec[eids[i]])
            if score >= MIN_SCORE and (rid not in best or best[rid][0] < score):
                best[rid] = (score, st, int(self.ent_kind[eids[i]]), detail)
        top = sorted(best.items(), key=lambda kv: -kv[1][0])[: max(limit, 2)]
        out = []
        for rid, (score, st, kind_code, detail) in top:
            kind = "fuzzy" if kind_code == 0 else f"fuzzy_{KIND_CODES[kind_code]}"
            out.append(NameMatch(self.record(rid), kind, score, st.name_norm, q.branch, detail))
        return settle(q, out, limit)
