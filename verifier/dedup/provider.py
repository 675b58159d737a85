"""The `duplicates` fact provider: look up near-duplicates, then record this posting.

Per posting: fingerprint the normalized description (MinHash, `fingerprint.py`), ask the SQL
band index for other postings sharing a band (`index.py`), describe each with similarity,
same employer / title / portal and the differing compared fields, then upsert this posting's
entry under (portal, posting_id) so a retry replaces rather than duplicates it. Thresholds
live with the check (`rules/consistency/duplicate.toml`); the provider reports every
candidate at or above `floor` similarity.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from verifier.checks.salary_posting import stated_salary
from verifier.dedup.fact import DuplicateFact, DuplicateHit
from verifier.dedup.fingerprint import Fingerprint
from verifier.dedup.index import Entry, FingerprintIndex, opaque_ref
from verifier.dedup.portal import current_portal
from verifier.models import Posting
from verifier.pipeline.facts import FactProvider
from verifier.registry.names import normalize_name
from verifier.text.normalize import PostingText, normalize

if TYPE_CHECKING:
    from datetime import datetime

    from verifier.resources import Resources

log = logging.getLogger(__name__)


class IndexUnavailable(Exception):
    """The fingerprint index could not be checked at start; duplicate checks fail closed."""


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
        employer_key=normalize_name(posting.enterprise.name).name_norm,
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


def describe(entry: Entry, other: Entry, similarity: float) -> DuplicateHit:
    """What this posting may learn about another: reference, sameness flags, differing fields."""
    same_employer = other.employer_key == entry.employer_key or (
        entry.uscc is not None and entry.uscc == other.uscc)
    return DuplicateHit(
        ref=opaque_ref(other.portal, other.posting_id), similarity=round(similarity, 3),
        same_employer=same_employer, same_title=other.title_key == entry.title_key,
        same_portal=other.portal == entry.portal, differs=_differs(entry, other),
    )


class DuplicatesProvider(FactProvider):
    """Resolves the `duplicates` fact over the SQL fingerprint index."""

    name = "duplicates"

    def __init__(self, index: FingerprintIndex, *, floor: float = 0.5, record: bool = True) -> None:
        self.index = index
        self.floor = floor
        self.record = record
        self._error: str | None = None
        self._absent = False

    async def start(self) -> None:
        """Check the tables exist.

        The service refuses a database behind the code's migrations, so tables are missing
        only under offline tools on an old local database: there the index counts as not
        configured (fact absent, warning logged). Any other failure fails closed.
        """
        try:
            self._absent = not await self.index.ready()
            self._error = None
        except Exception as exc:  # reported per posting, fail closed
            self._error = f"{type(exc).__name__}: {exc}"
        if self._absent:
            log.warning("duplicate index absent (migration 0003 not applied): not checked")
        if self._error:
            log.warning("duplicate index unavailable: %s", self._error)

    async def resolve(self, posting: Posting, text: PostingText) -> DuplicateFact | None:
        """Similar other postings, then record this one (idempotent per portal and id)."""
        if self._error is not None:
            raise IndexUnavailable(self._error)
        if self._absent:
            return None
        entry = entry_of(posting, text, current_portal(posting))
        hits = [describe(entry, other, sim) for other, sim in await self.index.similar(entry)
                if sim >= self.floor]
        if self.record:
            await self.index.record(entry, _now(posting))
        return DuplicateFact(entry.ref, entry.fingerprint.size, tuple(hits))


def _now(posting: Posting) -> datetime:
    from datetime import UTC, datetime

    return posting.submitted_at or datetime.now(UTC)


def create(resources: Resources) -> DuplicatesProvider:
    """The provider over the service's database."""
    return DuplicatesProvider(FingerprintIndex(resources.engine))
