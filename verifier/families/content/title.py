"""Title vs duties: does the job the title names match the work the description describes?

The title is mapped to an occupation family of 《职业分类大典》 (`rules/content/
occupations.toml`); the description's duty words are counted per family. When the title's
own family has none of its duty words and an unrelated family has several (公关专员 whose
description is about 点餐、传菜), the posting advertises one job and describes another — a
classic bait. Explained with the words found on both sides.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from verifier.families.base import Check, Context
from verifier.families.rules import Emits, says
from verifier.models import Finding
from verifier.pack import PackReader
from verifier.text.occupations import Taxonomy, span_of


class TitleParams(BaseModel):
    """Thresholds (`rules/content/title.toml`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_other_terms: Annotated[int, Field(ge=1, le=50)] = 3
    min_description_chars: Annotated[int, Field(ge=0, le=10_000)] = 40


class TitleMismatchCheck(Check[Context]):
    """The title's occupation and the duties in the description disagree."""

    id = "content_title"
    version = "1"
    Params = TitleParams
    params_file = "content/title.toml"
    emits: ClassVar[Emits] = {"content.title_mismatch": says("job", "family", "words", "other")}

    def __init__(self, params: TitleParams, taxonomy: Taxonomy) -> None:
        super().__init__(params)
        self.taxonomy = taxonomy

    params: TitleParams

    @classmethod
    def build(cls, pack: PackReader) -> TitleMismatchCheck:
        """Params and the occupation taxonomy."""
        return cls(pack.params(cls.params_file or "", TitleParams), Taxonomy.load(pack))

    def check(self, ctx: Context) -> list[Finding]:
        """Fire when the title's family has no duty word and an unrelated one has several."""
        posting = ctx.posting
        title = ctx.text.view("title")
        desc = ctx.text.view("description")
        if len(desc.norm.strip()) < self.params.min_description_chars:
            return []
        named = self.taxonomy.title_family(title)
        if named is None:
            return []
        fam = self.taxonomy.families[named.family]
        terms = self.taxonomy.duty_terms(desc)
        if terms.get(fam.id) or any(terms.get(r) for r in fam.related):
            return []
        others = [(f, hits) for f, hits in terms.items()
                  if f != fam.id and len(hits) >= self.params.min_other_terms]
        if not others:
            return []
        other_id, hits = max(others, key=lambda t: (len(t[1]), t[0]))
        other = self.taxonomy.families[other_id]
        words = [h.term for h in hits]
        return [self.finding(
            "content.title_mismatch",
            fill={"job": posting.title, "family": fam.name, "words": "、".join(words[:6]),
                  "other": other.name},
            spans=[span_of("title", title, named.start, named.end)]
            + [span_of("description", desc, h.start, h.end) for h in hits[:10]],
            data={"title_family": fam.id, "title_family_name": fam.name, "title_code": fam.code,
                  "title_term": named.term, "title_family_duty_terms": 0,
                  "description_family": other.id, "description_family_name": other.name,
                  "description_code": other.code, "description_terms": words,
                  "threshold": self.params.min_other_terms,
                  "table": "content/occupations.toml"},
        )]
