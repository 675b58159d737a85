"""The posting against the registry: openings vs company size, job vs business scope.

Needs the `registry` fact. A micro company (or one with 3 insured staff) advertising 200
openings is recruiting for someone else, or not at all (DOMAIN.md §4.1); a job far outside
the registered business scope and industry (a 餐饮 company hiring 软件工程师) is either a
front or a mistake. Caps are data (`rules/content/registry.toml`); occupation families
and their scope words come from `rules/content/occupations.toml`.
"""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, Field

from verifier.families.base import Check, Context
from verifier.families.rules import Emits, says
from verifier.models import Finding, Posting, Severity
from verifier.pack import PackReader
from verifier.registry.fact import ReadsRegistry
from verifier.registry.records import EnterpriseRecord
from verifier.text.normalize import normalize
from verifier.text.occupations import Taxonomy, span_of

_RANGE_TOP = re.compile(r"(\d+)\s*人?\s*(?:以下|以内|$)|-\s*(\d+)")


class RegistryConsistencyParams(BaseModel):
    """Caps (`rules/content/registry.toml`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    size_caps: dict[str, Annotated[int, Field(ge=1)]] = Field(default_factory=dict)
    staff_multiple: Annotated[float, Field(gt=0)] = 1.0
    min_headcount: Annotated[int, Field(ge=1)] = 10
    flag_multiple: Annotated[float, Field(ge=1)] = 5.0
    agency_name_words: list[str] = Field(default_factory=list)
    agency_scope_words: list[str] = Field(default_factory=list)


def staff_of(rec: EnterpriseRecord) -> int | None:
    """The staff count: the number, else the top of the stated band (`10-49人` → 49)."""
    if rec.staff is not None:
        return rec.staff
    m = _RANGE_TOP.search(rec.staff_range or "")
    if m is None:
        return None
    return int(m.group(2) or m.group(1))


class RegistryContext(Context, ReadsRegistry, Protocol):
    """What the content checks that compare with the registry read."""


class RegistryConsistencyCheck(Check[RegistryContext]):
    """Openings out of scale with the employer's size; job outside its business scope."""

    id = "content_registry"
    version = "1"
    Params = RegistryConsistencyParams
    params_file = "content/registry.toml"
    emits: ClassVar[Emits] = {
        "content.headcount_vs_size": says("headcount", "name", "staff", "size_class", "cap",
                                          variants=["staff", "size_class"]),
        "content.scope_mismatch": says("job", "family", "industry",
                                       variants=["industry", "no_industry"]),
    }

    def __init__(self, params: RegistryConsistencyParams, taxonomy: Taxonomy) -> None:
        super().__init__(params)
        self.taxonomy = taxonomy

    params: RegistryConsistencyParams

    @classmethod
    def build(cls, pack: PackReader) -> RegistryConsistencyCheck:
        """Params and the occupation taxonomy."""
        return cls(pack.params(cls.params_file or "", RegistryConsistencyParams),
                   Taxonomy.load(pack))

    def is_agency(self, posting: Posting, rec: EnterpriseRecord | None) -> bool:
        """An HR service or labour-dispatch firm, by its registered scope or its name."""
        p = self.params
        names = [posting.enterprise.name if posting.enterprise else "", rec.name if rec else ""]
        if any(w in n for n in names for w in p.agency_name_words):
            return True
        scope = rec.business_scope or "" if rec else ""
        return any(w in scope for w in p.agency_scope_words)

    def tags(self, ctx: RegistryContext) -> list[str]:
        """``agency`` for HR service and labour-dispatch firms (recruiting for clients)."""
        fact = ctx.registry
        record = fact.record if fact is not None else None
        return ["agency"] if self.is_agency(ctx.posting, record) else []

    def check(self, ctx: RegistryContext) -> list[Finding]:
        """Both comparisons, when the registry resolved the employer."""
        posting = ctx.posting
        fact = ctx.registry
        if fact is None or fact.record is None:
            return []
        scope = self._scope(posting, ctx, fact.record)
        if self.is_agency(posting, fact.record):
            return scope  # openings beyond its own staff are an agency's business
        return self._headcount(posting, fact.record) + scope

    def _headcount(self, posting: Posting, rec: EnterpriseRecord) -> list[Finding]:
        p = self.params
        hc = posting.headcount
        if hc is None or hc < p.min_headcount:
            return []
        staff = staff_of(rec)
        if staff is not None:
            cap, basis = max(p.min_headcount - 1, int(staff * p.staff_multiple)), "staff"
        elif rec.size_class is not None and rec.size_class.value in p.size_caps:
            cap, basis = p.size_caps[rec.size_class.value], "size_class"
        else:
            return []
        if hc <= cap:
            return []
        return [self.finding(
            "content.headcount_vs_size", say=basis,
            fill={"headcount": hc, "name": rec.name, "staff": staff,
                  "size_class": rec.size_class, "cap": cap},
            severity=Severity.flag if hc > cap * p.flag_multiple else None,
            data={"headcount": hc, "cap": cap, "cap_basis": basis, "staff": staff,
                  "staff_range": rec.staff_range,
                  "size_class": rec.size_class.value if rec.size_class else None,
                  "flag_multiple": p.flag_multiple, "uscc": rec.uscc,
                  "table": "content/registry.toml"},
        )]

    def _scope(
        self, posting: Posting, ctx: RegistryContext, rec: EnterpriseRecord
    ) -> list[Finding]:
        registered = normalize(f"{rec.business_scope or ''} {rec.industry or ''}").strip()
        if not registered:
            return []
        title = ctx.text.view("title")
        named = self.taxonomy.title_family(title)
        if named is None:
            return []
        fam = self.taxonomy.families[named.family]
        if fam.anywhere or not fam.scope:
            return []
        if any(normalize(w) in registered for w in fam.scope):
            return []
        return [self.finding(
            "content.scope_mismatch", say="industry" if rec.industry else "no_industry",
            fill={"job": posting.title, "family": fam.name, "industry": rec.industry},
            spans=[span_of("title", title, named.start, named.end)],
            data={"family": fam.id, "family_name": fam.name, "code": fam.code,
                  "expected_scope_words": fam.scope, "industry": rec.industry,
                  "business_scope": (rec.business_scope or "")[:300], "uscc": rec.uscc,
                  "table": "content/occupations.toml"},
        )]
