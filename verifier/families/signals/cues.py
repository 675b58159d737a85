"""The cues themselves: pure functions of a posting, its normalized text and its registry record.

Every cue returns a `Cue` (value > 0, the spans and compared values that raised it) or None.
Normalization keeps length, so offsets found in the normalized text are offsets into the
original and spans quote the original characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import ahocorasick
import numpy as np
import numpy.typing as npt

from verifier.families.signals.params import CUE_NAMES, CueParams
from verifier.models import Posting, Span
from verifier.registry.records import EnterpriseRecord
from verifier.registry.siblings import Siblings
from verifier.text.normalize import PostingText, TextView, normalize
from verifier.text.occupations import Taxonomy

_MONEY = re.compile(r"(\d+(?:\.\d+)?)\s*(万|千|k|元|块)")
_SCALE = {"万": 10_000.0, "千": 1_000.0, "k": 1_000.0, "元": 1.0, "块": 1.0}
_SENTENCE = re.compile(r"[^。；;！!？?\n]{4,}")
_YEARS = re.compile(r"(\d+)\s*年以上")
_STAFF = re.compile(r"(\d+)")
_SCOPE_SPLIT = re.compile(r"[；;、，,。]")
_FIELD_SEP = re.compile(r"[_|]")


@dataclass(frozen=True)
class Cue:
    """One weak signal that fired: its value (feature), the values its message is filled
    with (`CUE_FIELDS`; the sentence is its rule's, in rules/signals/rules.toml) and its
    evidence."""

    name: str
    value: float
    fill: dict[str, Any]
    spans: list[Span] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Inputs:
    """What the cues read about one posting."""

    posting: Posting
    text: PostingText
    record: EnterpriseRecord | None
    now: datetime
    siblings: Siblings | None = None
    """The employer's sibling shells in the registry (the registry fact's)."""
    scans: dict[str, dict[str, list[tuple[int, int]]]] = field(default_factory=dict)
    """Vocabulary hits per field, filled on first use."""


def _span(name: str, view: TextView, start: int, end: int) -> Span:
    return Span(field=name, start=start, end=end, text=view.original[start:end])


class Vocabulary:
    """Every cue word list in one Aho-Corasick automaton: a field is scanned once."""

    def __init__(self, lists: dict[str, list[str]]) -> None:
        owners: dict[str, set[str]] = {}
        for kind, words in lists.items():
            for w in words:
                owners.setdefault(normalize(w), set()).add(kind)
        self._auto = ahocorasick.Automaton()
        for word, kinds in owners.items():
            self._auto.add_word(word, (len(word), frozenset(kinds)))
        self._empty = not owners
        if owners:
            self._auto.make_automaton()

    def scan(self, norm: str) -> dict[str, list[tuple[int, int]]]:
        """Per word list, the first occurrence of each of its words, in text order."""
        out: dict[str, list[tuple[int, int]]] = {}
        if self._empty or not norm:
            return out
        seen: set[int] = set()
        for end, (length, kinds) in self._auto.iter(norm):
            start = end + 1 - length
            key = hash(norm[start:end + 1])
            if key in seen:
                continue
            seen.add(key)
            for kind in kinds:
                out.setdefault(kind, []).append((start, end + 1))
        return out


def subtitle_of(description: str, max_chars: int) -> tuple[int, int] | None:
    """The description's first line when it reads as a headline (short, more lines follow)."""
    nl = description.find("\n")
    if nl <= 0 or nl > max_chars or not description[nl + 1:].strip():
        return None
    return 0, nl


class Cues:
    """Computes every cue for a posting with one pack's vocabulary and taxonomy."""

    def __init__(self, params: CueParams, taxonomy: Taxonomy) -> None:
        self.p = params
        self.taxonomy = taxonomy
        self.vocabulary = Vocabulary({
            "hype": params.hype, "intro_advert": params.intro_advert,
            "welfare": params.welfare, "urgency": params.urgency,
            "companions": params.urgency_companions})
        self.no_requirement = tuple(normalize(w) for w in params.no_requirement)
        self.agency = tuple(normalize(w) for w in params.agency_words)
        levels = "|".join(re.escape(normalize(w)) for w in params.education_levels)
        self.level_re = re.compile(f"(?:{levels})(?:及)?以上") if levels else None

    def words(self, x: Inputs, name: str, kind: str) -> list[Span]:
        """Spans of the words of one list in one field (each field scanned once per posting)."""
        view = x.text.view(name)
        hits = x.scans.get(name)
        if hits is None:
            hits = x.scans[name] = self.vocabulary.scan(view.norm)
        return [_span(name, view, s, e) for s, e in hits.get(kind, ())]

    def compute(self, x: Inputs) -> list[Cue]:
        """Every cue that fires, in `CUE_NAMES` order."""
        out = []
        for name in CUE_NAMES:
            cue = getattr(self, f"_{name}")(x)
            if cue is not None:
                out.append(cue)
        return out

    def vector(self, cues: list[Cue]) -> npt.NDArray[np.float64]:
        """Feature values in `CUE_NAMES` order (0 for a cue that did not fire), capped."""
        vec = np.zeros(len(CUE_NAMES))
        for c in cues:
            vec[CUE_NAMES.index(c.name)] = min(c.value, self.p.cap)
        return vec

    # -- text cues ---------------------------------------------------------------------
    def _title_subtitle_mismatch(self, x: Inputs) -> Cue | None:
        desc = x.text.view("description")
        sub = subtitle_of(desc.original, self.p.subtitle_max_chars)
        named = self.taxonomy.title_family(x.text.view("title"))
        if sub is None or named is None:
            return None
        other = [h for h in self.taxonomy.scan(desc.norm[: sub[1]], "title")]
        if not other:
            return None
        fams = {h.family for h in other}
        related = set(self.taxonomy.families[named.family].related) | {named.family}
        if fams & related:
            return None
        hit = other[0]
        return Cue("title_subtitle_mismatch", 1.0,
                   {"job": named.term, "subtitle": hit.term},
                   [_span("title", x.text.view("title"), named.start, named.end),
                    _span("description", desc, hit.start, hit.end)],
                   {"title_family": named.family, "subtitle_family": hit.family})

    def _pay_figures(self, x: Inputs) -> Cue | None:
        desc = x.text.view("description")
        figures: dict[float, tuple[int, int]] = {}
        for m in _MONEY.finditer(desc.norm):
            amount = float(m.group(1)) * _SCALE[m.group(2)]
            if amount >= 100 and amount not in figures:
                figures[amount] = m.span()
        if len(figures) < self.p.pay_min_distinct:
            return None
        return Cue("pay_figures", float(len(figures)),
                   {"count": len(figures)},
                   [_span("description", desc, s, e) for s, e in list(figures.values())[:6]],
                   {"figures": sorted(figures)[:10], "threshold": self.p.pay_min_distinct})

    def _open_requirements_skilled(self, x: Inputs) -> Cue | None:
        named = self.taxonomy.title_family(x.text.view("title"))
        if named is None:
            return None
        fam = self.taxonomy.families[named.family]
        if not (fam.skilled or fam.licensed):
            return None
        loose = [(f, v) for f, v in (("education", x.posting.education),
                                      ("experience", x.posting.experience))
                 if v and any(w in normalize(v) for w in self.no_requirement)]
        if not loose:
            return None
        return Cue("open_requirements_skilled", float(len(loose)),
                   {"job": named.term, "open": "、".join(v for _, v in loose)},
                   [_span("title", x.text.view("title"), named.start, named.end)]
                   + [Span(field=f, start=0, end=len(v), text=v) for f, v in loose],
                   {"family": fam.id, "skilled": fam.skilled, "licensed": fam.licensed})

    def _hype(self, x: Inputs) -> Cue | None:
        spans = self.words(x, "title", "hype") + self.words(x, "description", "hype")
        if not spans:
            return None
        words = sorted({s.text for s in spans})
        return Cue("hype", float(len(words)), {"words": "、".join(words)}, spans[:6],
                   {"words": words})

    def _duties_one_line(self, x: Inputs) -> Cue | None:
        desc = x.text.view("description").norm
        body = desc
        sub = subtitle_of(desc, self.p.subtitle_max_chars)
        if sub is not None:
            body = desc[sub[1] + 1:]
        lines = [ln for ln in body.split("\n") if ln.strip() and not _FIELD_SEP.search(ln)]
        body = "\n".join(lines)
        sentences = _SENTENCE.findall(body)
        chars = len(body.strip())
        if chars > self.p.duties_max_chars or len(sentences) > self.p.duties_max_sentences:
            return None
        return Cue("duties_one_line", 1.0,
                   {"sentences": len(sentences), "chars": chars}, [],
                   {"chars": chars, "sentences": len(sentences),
                    "threshold": self.p.duties_max_chars})

    def _intro_missing(self, x: Inputs) -> Cue | None:
        if x.posting.company_profile is None:
            return None  # not sent: the portal may not carry the field (unknown, not missing)
        intro = x.posting.company_profile.strip()
        if len(intro) >= self.p.intro_min_chars:
            return None
        return Cue("intro_missing", 1.0, {"min_chars": self.p.intro_min_chars}, [],
                   {"chars": len(intro)})

    def _intro_advert(self, x: Inputs) -> Cue | None:
        spans = self.words(x, "company_profile", "intro_advert")
        if not spans:
            return None
        words = sorted({s.text for s in spans})
        return Cue("intro_advert", float(len(words)),
                   {"words": "、".join(words)}, spans[:5],
                   {"words": words})

    def _welfare_too_good(self, x: Inputs) -> Cue | None:
        spans = self.words(x, "description", "welfare")
        if len(spans) < self.p.welfare_min_distinct:
            return None
        return Cue("welfare_too_good", float(len(spans) - self.p.welfare_min_distinct + 1),
                   {"count": len(spans)}, spans[:8],
                   {"count": len(spans), "threshold": self.p.welfare_min_distinct})

    def _urgency(self, x: Inputs) -> Cue | None:
        urgent = self.words(x, "title", "urgency") + self.words(x, "description", "urgency")
        if not urgent:
            return None
        companions = self.words(x, "description", "companions")
        if not companions:
            return None
        return Cue("urgency", float(1 + len(companions)),
                   {"urgent": urgent[0].text,
                    "companions": "、".join(s.text for s in companions[:3])},
                   (urgent + companions)[:6],
                   {"urgency": sorted({s.text for s in urgent}),
                    "companions": sorted({s.text for s in companions})})

    def _body_contradicts_fields(self, x: Inputs) -> Cue | None:
        view = x.text.view("description")
        out: list[Span] = []
        said: list[str] = []
        edu = normalize(x.posting.education or "")
        if edu and self.level_re and any(w in edu for w in self.no_requirement):
            m = self.level_re.search(view.norm)
            if m:
                out.append(_span("description", view, m.start(), m.end()))
                said.append(f"学历“{x.posting.education}”")
        exp = normalize(x.posting.experience or "")
        if exp and any(w in exp for w in self.no_requirement):
            m = _YEARS.search(view.norm)
            if m and int(m.group(1)) >= 1:
                out.append(_span("description", view, m.start(), m.end()))
                said.append(f"经验“{x.posting.experience}”")
        if not out:
            return None
        return Cue("body_contradicts_fields", float(len(out)),
                   {"fields": "、".join(said), "asked": "、".join(s.text for s in out)}, out,
                   {"education": x.posting.education, "experience": x.posting.experience})

    # -- registry cues -----------------------------------------------------------------
    def _agency(self, x: Inputs) -> bool:
        r = x.record
        names = x.posting.enterprise.name + (r.name if r else "") + (r.business_scope or ""
                                                                      if r else "")
        return any(w in names for w in self.agency)

    def _headcount_vs_size(self, x: Inputs) -> Cue | None:
        hc, r = x.posting.headcount, x.record
        if hc is None or hc <= 0 or r is None or self._agency(x):
            return None
        size = r.staff if r.staff else staff_upper(r.staff_range)
        if not size or hc <= size * self.p.headcount_over_size:
            return None
        return Cue("headcount_vs_size", hc / size,
                   {"headcount": hc, "size": r.staff_range or r.staff}, [],
                   {"headcount": hc, "staff": r.staff, "staff_range": r.staff_range})

    def _scope_too_broad(self, x: Inputs) -> Cue | None:
        r = x.record
        if r is None or not r.business_scope:
            return None
        items = [s for s in _SCOPE_SPLIT.split(r.business_scope) if s.strip()]
        small = (r.capital_cny is not None and r.capital_cny < self.p.scope_small_capital_cny) \
            or (staff_upper(r.staff_range) or 10**9) <= self.p.scope_small_staff
        if len(items) < self.p.scope_min_items or not small:
            return None
        return Cue("scope_too_broad", len(items) / self.p.scope_min_items,
                   {"items": len(items), "capital": r.capital_raw}, [],
                   {"items": len(items), "capital_cny": r.capital_cny,
                    "staff_range": r.staff_range})

    def _young_company_many(self, x: Inputs) -> Cue | None:
        r, hc = x.record, x.posting.headcount
        if r is None or r.established is None or hc is None:
            return None
        age = (x.now.date() - r.established).days
        if age < 0 or age > self.p.young_days or hc < self.p.young_min_headcount:
            return None
        return Cue("young_company_many", hc / self.p.young_min_headcount,
                   {"age": age, "headcount": hc}, [],
                   {"age_days": age, "headcount": hc, "established": r.established.isoformat()})

    def _sibling_shells(self, x: Inputs) -> Cue | None:
        """Registered siblings only: other enterprises with the employer's founding date,
        registered capital and business scope (a batch of shells registered by one
        operator). Whether those siblings also post alike is not part of the cue: the
        duplicate family's cross-employer finding belongs to another family's fact, which
        this family does not read; both findings stand side by side in the decision."""
        s = x.siblings
        if s is None or s.count < self.p.shell_min_siblings:
            return None
        return Cue("sibling_shells", float(s.count),
                   {"count": s.count, "established": s.established.isoformat(),
                    "capital": s.capital or "同额"}, [],
                   {"established": s.established.isoformat(), "capital": s.capital,
                    "scope": s.scope, "siblings": s.count,
                    "sample": [{"uscc": p.uscc, "name": p.name} for p in s.sample],
                    "threshold": self.p.shell_min_siblings})


def staff_upper(band: str | None) -> int | None:
    """Upper bound of a head-count band (`20-99人` → 99, `少于20人` → 20, `1000人以上` → None)."""
    if not band or "以上" in band:
        return None
    nums = [int(n) for n in _STAFF.findall(band)]
    return max(nums) if nums else None
