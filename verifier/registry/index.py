"""In-memory registry index: exact keys and rare-bigram blocking for fuzzy name lookups.

API:
- `NameIndex.build(records)` (or `IndexBuilder.add(record)` then `.finish()`): compact
  numpy arrays, one entry per name (registered name, each former name, each brand alias).
- `index.by_uscc(code)`, `index.by_regno(regno)` → record or None;
  `index.by_name(name, limit)` → list of `NameMatch` (exact canonical name / former / alias
  first, then the parent of a branch, then fuzzy over at most `MAX_CANDIDATES` entries
  chosen by the rarest bigrams and the exact 字号 of the query, scored with rapidfuzz).

Memory: strings live in joined columns with offset arrays, records as zlib-compressed JSON
(a preset dictionary makes 200-byte records compress), keys as sorted int64 hash arrays
searched with `searchsorted` — no per-record Python objects.
"""

from __future__ import annotations

import zlib
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
from verifier.registry.names import ParsedName, normalize_name
from verifier.registry.records import EnterpriseRecord

MAX_CANDIDATES = 300
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
    def of(cls, keys: list[int], vals: list[int]) -> _HashMap:
        k = np.fromiter(keys, dtype=np.int64, count=len(keys))
        v = np.fromiter(vals, dtype=np.uint32, count=len(vals))
        order = np.argsort(k, kind="stable")
        return cls(k[order], v[order])

    def get(self, key: str) -> U32:
        h = hash(key)
        lo = int(np.searchsorted(self.keys, h, "left"))
        hi = int(np.searchsorted(self.keys, h, "right"))
        return self.vals[lo:hi]


@dataclass
class IndexBuilder:
    """Accumulates records, then freezes them into a `NameIndex`."""

    _blobs: list[bytes] = field(default_factory=list)
    _uscc: tuple[list[int], list[int]] = field(default_factory=lambda: ([], []))
    _regno: tuple[list[int], list[int]] = field(default_factory=lambda: ([], []))
    _names: tuple[list[int], list[int]] = field(default_factory=lambda: ([], []))
    _trades: tuple[list[int], list[int]] = field(default_factory=lambda: ([], []))
    _grams: tuple[list[int], list[int]] = field(default_factory=lambda: ([], []))
    _ent_rec: list[int] = field(default_factory=list)
    _ent_kind: list[int] = field(default_factory=list)
    _structs: list[str] = field(default_factory=list)
    _trade_col: list[str] = field(default_factory=list)

    def add(self, record: EnterpriseRecord, parsed: ParsedName | None = None) -> None:
        """Add one record with its former names and aliases."""
        rid = len(self._blobs)
        comp = zlib.compressobj(6, zdict=_ZDICT)
        raw = record.model_dump_json(exclude_defaults=True).encode()
        self._blobs.append(comp.compress(raw) + comp.flush())
        for target, code in ((self._uscc, record.uscc), (self._regno, record.regno)):
            if code:
                target[0].append(hash(code))
                target[1].append(rid)
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
        offsets = np.zeros(len(self._blobs) + 1, dtype=np.int64)
        np.cumsum([len(b) for b in self._blobs], out=offsets[1:])
        blob = b"".join(self._blobs)
        s_off = np.zeros(len(self._structs) + 1, dtype=np.int64)
        np.cumsum([len(s) for s in self._structs], out=s_off[1:])
        t_off = np.zeros(len(self._trade_col) + 1, dtype=np.int64)
        np.cumsum([len(t) for t in self._trade_col], out=t_off[1:])
        index = NameIndex(
            trade_col="".join(self._trade_col),
            trade_off=t_off,
            blob=blob,
            offsets=offsets,
            structs="".join(self._structs),
            struct_off=s_off,
            ent_rec=np.asarray(self._ent_rec, dtype=np.uint32),
            ent_kind=np.asarray(self._ent_kind, dtype=np.uint8),
            uscc=_HashMap.of(*self._uscc),
            regno=_HashMap.of(*self._regno),
            names=_HashMap.of(*self._names),
            trades=_HashMap.of(*self._trades),
            grams=_HashMap.of(*self._grams),
        )
        self.__init__()  # type: ignore[misc]  # release the lists
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

    @classmethod
    def build(cls, records: Iterable[EnterpriseRecord]) -> NameIndex:
        """Index every record."""
        b = IndexBuilder()
        for r in records:
            b.add(r)
        return b.finish()

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def record(self, rid: int) -> EnterpriseRecord:
        """Decode one stored record."""
        raw = self.blob[int(self.offsets[rid]) : int(self.offsets[rid + 1])]
        dec = zlib.decompressobj(zdict=_ZDICT)
        return EnterpriseRecord.model_validate_json(dec.decompress(raw) + dec.flush())

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

    def by_name(self, name: str, limit: int = 3) -> list[NameMatch]:
        """Exact canonical / former / alias hits first, then the branch's parent, then fuzzy."""
        q = normalize_name(name)
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
