"""Shared by the consistency checks: the occupation taxonomy and the terms a text contains.

`rules/content/occupations.toml` lists occupation families (《职业分类大典》 groups) with
title words, duty words and business-scope words. `Taxonomy` compiles every word into one
Aho-Corasick automaton, so a title or description is scanned once whatever the number of
families; matches come back with offsets into the normalized text, which are offsets into
the original (normalization keeps length).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Annotated, Literal

import ahocorasick
from pydantic import BaseModel, ConfigDict, Field

from verifier.models import Span
from verifier.pack import PackReader
from verifier.text.normalize import TextView, normalize

OCCUPATIONS = "content/occupations.toml"
Kind = Literal["title", "duties", "scope"]
Term = Annotated[str, Field(min_length=1, max_length=40)]


class Family(BaseModel):
    """One occupation family."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    name: str
    code: str = ""
    title: list[Term] = Field(default_factory=list)
    duties: list[Term] = Field(default_factory=list)
    scope: list[Term] = Field(default_factory=list)
    anywhere: bool = False
    skilled: bool = False
    licensed: bool = False
    licence: str = ""
    related: list[str] = Field(default_factory=list)


class OccupationFile(BaseModel):
    """`rules/content/occupations.toml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    family: Annotated[list[Family], Field(min_length=1)]


@dataclass(frozen=True, slots=True)
class Hit:
    """A taxonomy word found in a text: family, kind of word, offsets."""

    family: str
    kind: Kind
    term: str
    start: int
    end: int


class Taxonomy:
    """The families and one automaton over all their words."""

    def __init__(self, families: list[Family]) -> None:
        self.families = {f.id: f for f in families}
        self._auto = ahocorasick.Automaton()
        words: dict[str, list[tuple[str, Kind, str]]] = defaultdict(list)
        for f in families:
            for kind, terms in (("title", f.title), ("duties", f.duties), ("scope", f.scope)):
                for t in terms:
                    words[normalize(t)].append((f.id, kind, t))  # type: ignore[arg-type]
        for word, owners in words.items():
            self._auto.add_word(word, (len(word), tuple(owners)))
        if words:
            self._auto.make_automaton()
        self._empty = not words

    @classmethod
    def load(cls, pack: PackReader) -> Taxonomy:
        """Read and validate the taxonomy; unknown `related` ids and duplicates are refused."""
        doc = pack.document(OCCUPATIONS, OccupationFile)
        if doc is None:
            return cls([])
        got, text = doc
        ids = [f.id for f in got.family]
        lines = text.splitlines()
        for f in got.family:
            line = next((i for i, ln in enumerate(lines, 1) if ln.strip() == f'id = "{f.id}"'), 0)
            if ids.count(f.id) > 1:
                pack.fail(OCCUPATIONS, line, f"duplicate family id {f.id!r}")
            for r in f.related:
                if r not in ids:
                    pack.fail(OCCUPATIONS, line, f"family {f.id!r}: unknown related {r!r}")
        return cls(got.family)

    def scan(self, norm: str, kind: Kind) -> list[Hit]:
        """Every word of `kind` in a normalized text, in order of end offset."""
        if self._empty or not norm:
            return []
        out = []
        for end, (length, owners) in self._auto.iter(norm):
            for fam, k, term in owners:
                if k == kind:
                    out.append(Hit(fam, k, term, end + 1 - length, end + 1))
        return out

    def title_family(self, view: TextView) -> Hit | None:
        """The family a title names: the word ending last wins, the longer on a tie."""
        hits = self.scan(view.norm, "title")
        if not hits:
            return None
        return max(hits, key=lambda h: (h.end, h.end - h.start))

    def duty_terms(self, view: TextView) -> dict[str, list[Hit]]:
        """Distinct duty words per family (first occurrence of each)."""
        out: dict[str, dict[str, Hit]] = defaultdict(dict)
        for h in self.scan(view.norm, "duties"):
            out[h.family].setdefault(h.term, h)
        return {fam: list(terms.values()) for fam, terms in out.items()}


def span_of(field: str, view: TextView, start: int, end: int) -> Span:
    """A span of a field with the original text behind it."""
    return Span(field=field, start=start, end=end, text=view.original[start:end])
