"""The `duplicates` fact provider: look up near-duplicates, then record this posting.

Per posting: fingerprint the normalized description (MinHash, `fingerprint.py`), ask the band
index for other postings sharing a band (held in memory, caught up with the SQL table before
each batch of lookups: `lookup.py`), describe each with similarity, same employer / title /
portal and the differing compared fields. This posting's entry is upserted under
(portal, posting_id) by a side write in its decision's own transaction, so a retry replaces
rather than duplicates it. Thresholds live with the check (`rules/duplicate/duplicate.toml`);
the provider reports every candidate at or above `floor` similarity.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from verifier.families.base import Context
from verifier.families.duplicate.fact import DuplicateFact, DuplicateHit
from verifier.families.duplicate.fingerprint import Fingerprint, similarities
from verifier.families.duplicate.index import Entry, FingerprintIndex, opaque_ref, sqlite_reader
from verifier.families.duplicate.lookup import FINGERPRINTS, FingerprintWriter, MirroredLookup
from verifier.families.facts import FactProvider
from verifier.models import Posting
from verifier.registry.names import parse_cached
from verifier.store.side_writes import SideWrite, SideWriter
from verifier.text.normalize import PostingText, normalize
from verifier.text.salary_posting import stated_salary

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from verifier.resources import Resources

log = logging.getLogger(__name__)


class IndexUnavailable(Exception):
    """The fingerprint index could not be checked at start; duplicate checks fail closed."""


def _employer_key(name: str) -> str:
    return parse_cached(name).name_norm


def _key(text: str) -> str:
    return "".join(ch for ch in normalize(text) if ch.isalnum())


def _pay(posting: Posting) -> tuple[float | None, float | None]:
    try:
        parsed = stated_salary(posting)
    except Exception:  # unparseable pay is "no pay", never a provider failure
        return None, None
    if parsed is None or parsed.status != "ok":
        return None, None
    lo, hi = parsed.monthly_min, parsed.monthly_max
    return (round(lo, -1) if lo is not None else None, round(hi, -1) if hi is not None else None)


def entry_of(posting: Posting, text: PostingText, portal: str) -> Entry:
    """The index entry of a posting: fingerprint of its description plus compared fields."""
    lo, hi = _pay(posting)
    loc = posting.location
    city = None
    if loc is not None:
        city = _key(loc.city or loc.province).removesuffix("市") or None
    uscc = (posting.enterprise.uscc or "").strip().upper() or None
    return Entry(
        portal=portal, posting_id=posting.posting_id,
        employer_key=_employer_key(posting.enterprise.name),
        title_key=_key(posting.title), fingerprint=Fingerprint.of(text.view("description").norm),
        uscc=uscc, pay_min=lo, pay_max=hi, city=city, headcount=posting.headcount,
    )


def _differs(a: Entry, b: Entry) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    if a.pay_min is not None and b.pay_min is not None and (
            (a.pay_min, a.pay_max) != (b.pay_min, b.pay_max)):
        out["pay_monthly"] = {"this": [a.pay_min, a.pay_max], "other": [b.pay_min, b.pay_max]}
    if a.city and b.city and a.city != b.city:
        out["city"] = {"this": a.city, "other": b.city}
    if a.headcount is not None and b.headcount is not None and a.headcount != b.headcount:
        out["headcount"] = {"this": a.headcount, "other": b.headcount}
    return out


def _same_employer(entry: Entry, other: Entry) -> bool:
    return other.employer_key == entry.employer_key or (
        entry.uscc is not None and entry.uscc == other.uscc)


def describe(entry: Entry, other: Entry, similarity: float,
             employer: int | None = None) -> DuplicateHit:
    """What this posting may learn about another: reference, sameness flags, differing fields
    (`employer`: the other employer's number within this fact)."""
    same_employer = _same_employer(entry, other)
    return DuplicateHit(
        ref=opaque_ref(other.portal, other.posting_id), similarity=round(similarity, 3),
        same_employer=same_employer, same_title=other.title_key == entry.title_key,
        same_portal=other.portal == entry.portal, differs=_differs(entry, other),
        employer=employer,
    )


class DuplicatesProvider(FactProvider):
    """Resolves the `duplicates` fact over the SQL fingerprint index.

    Lookups are batched across concurrent postings and answered from memory after one SQL
    catch-up per batch (`lookup.py`); this posting's fingerprint is recorded by a
    side write in its decision's transaction, and remembered in memory at once so that
    postings arriving together see each other.
    """

    name = "duplicates"

    def __init__(self, index: FingerprintIndex, *, floor: float = 0.5, record: bool = True,
                 owned: list[Engine] | None = None) -> None:
        self.index = index
        self._owned = owned or []
        self.floor = floor
        self.record = record
        # Up to 50 candidates by shared bands; the `max_candidates` most similar are described.
        self.lookup = MirroredLookup(index.engine, index.reader, capacity=index.capacity,
                                     per_band=index.per_band)
        self.writer = FingerprintWriter(self.lookup.memory)
        self._error: str | None = None
        self._absent = False

    async def start(self) -> None:
        """Check the table exists and load the newest fingerprints into memory.

        The service refuses a database behind the code's migrations, so tables are missing
        only under offline tools on an old local database: there the index counts as not
        configured (fact absent, warning logged). Any other failure fails closed.
        """
        try:
            self._absent = not await self.index.ready()
            if not self._absent:
                n = await self.lookup.load()
                log.info("duplicate index: %d fingerprints in memory", n)
            self._error = None
        except Exception as exc:  # reported per posting, fail closed
            self._error = f"{type(exc).__name__}: {exc}"
        if self._absent:
            log.warning("duplicate index absent (migration 0003 not applied): not checked")
        if self._error:
            log.warning("duplicate index unavailable: %s", self._error)

    async def resolve(self, ctx: Context) -> DuplicateFact | None:
        """Similar other postings (stored, or recorded moments ago) and this posting's entry."""
        if self._error is not None:
            raise IndexUnavailable(self._error)
        if self._absent:
            return None
        entry = entry_of(ctx.posting, ctx.text, ctx.portal)
        # The employer's own reposts on this portal are not duplicates in either rule's sense
        # (and are the commonest near-duplicates): not described.
        others = [o for o in await self.lookup.similar(entry, remember=self.record)
                  if o.portal != entry.portal or not _same_employer(entry, o)]
        sims = similarities(entry.fingerprint, [o.fingerprint for o in others])
        scored = sorted(((o, s) for o, s in zip(others, sims, strict=True) if s >= self.floor),
                        key=lambda t: (-t[1], t[0].ref))[: self.index.max_candidates]
        groups: dict[str, int] = {}
        hits = [describe(entry, other, sim,
                         groups.setdefault(other.uscc or other.employer_key, len(groups)))
                for other, sim in scored]
        if not self.record:
            return DuplicateFact(entry.ref, entry.fingerprint.size, tuple(hits))
        return DuplicateFact(entry.ref, entry.fingerprint.size, tuple(hits), record=entry,
                             recorded_at=datetime.now(UTC))

    def side_writes(self, value: Any) -> list[SideWrite]:
        """Upsert this posting's fingerprint in its decision's transaction."""
        if not isinstance(value, DuplicateFact) or value.record is None:
            return []
        return [SideWrite(FINGERPRINTS, (value.record, value.recorded_at or datetime.now(UTC)))]

    def side_writers(self) -> list[SideWriter]:
        """The fingerprint writer (registered with the decision writer)."""
        return [self.writer]

    async def close(self) -> None:
        """Dispose of the lookup engine this provider opened."""
        for engine in self._owned:
            engine.dispose()


def create(resources: Resources) -> DuplicatesProvider:
    """The provider over the service's database (own lookup engine on SQLite)."""
    reader = sqlite_reader(resources.engine)
    index = FingerprintIndex(resources.engine, reader=reader,
                             capacity=resources.settings.dedup_memory_entries)
    return DuplicatesProvider(index, owned=[reader] if reader is not None else [])
