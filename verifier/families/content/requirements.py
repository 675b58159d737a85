"""Requirements vs occupation: are the education and experience asked for plausible?

A skilled job (software, engineering, accounting, teaching ...) open to anyone — 学历不限
and 经验不限 together — or a licensed one (医生, 律师, 司机, 特种作业) that asks for no
qualification at all is what bait postings look like: the title draws applicants, the
requirements show the job is something else. A campus (new-graduate) posting that asks for
years of experience cannot be filled by its audience. Families and their skilled/licensed
flags are data (`rules/content/occupations.toml`).
"""

from __future__ import annotations

import re
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from verifier.families.base import Check, Context
from verifier.families.rules import Emits, says
from verifier.models import Finding, Posting, Span
from verifier.pack import PackReader
from verifier.text.normalize import normalize
from verifier.text.occupations import Taxonomy, span_of

_YEARS = re.compile(r"(\d+)\s*(?:-|~|至|到)?\s*(\d+)?\s*年")


class RequirementsParams(BaseModel):
    """Vocabulary and thresholds (`rules/content/requirements.toml`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    no_education: list[str] = Field(default_factory=lambda: ["学历不限", "不限"])
    no_experience: list[str] = Field(default_factory=lambda: ["经验不限", "不限"])
    campus_channels: list[str] = Field(default_factory=lambda: ["campus"])
    campus_max_years: Annotated[int, Field(ge=1, le=20)] = 2
    licensed_score: Annotated[float, Field(ge=0, le=100)] = 30
    """Score of a licensed job asking for no qualification (a skilled one: the rule's)."""
    stated_words: list[str] = Field(default_factory=list)


def _says(value: str | None, words: list[str]) -> bool:
    v = normalize(value or "")
    return any(w in v for w in words)


class RequirementsCheck(Check[Context]):
    """Education and experience requirements out of line with the occupation or channel."""

    id = "content_requirements"
    version = "1"
    Params = RequirementsParams
    params_file = "content/requirements.toml"
    emits: ClassVar[Emits] = {"content.requirements_implausible": says(
        "job", "licence", "education", "experience", "years",
        variants=["licensed", "skilled", "campus"])}

    def __init__(self, params: RequirementsParams, taxonomy: Taxonomy) -> None:
        super().__init__(params)
        self.taxonomy = taxonomy

    params: RequirementsParams

    @classmethod
    def build(cls, pack: PackReader) -> RequirementsCheck:
        """Params and the occupation taxonomy."""
        return cls(pack.params(cls.params_file or "", RequirementsParams), Taxonomy.load(pack))

    def check(self, ctx: Context) -> list[Finding]:
        """A skilled/licensed job asking for nothing; a campus posting asking for years."""
        posting = ctx.posting
        out = self._campus(posting)
        title = ctx.text.view("title")
        named = self.taxonomy.title_family(title)
        if named is None:
            return out
        fam = self.taxonomy.families[named.family]
        p = self.params
        no_edu = _says(posting.education, p.no_education)
        no_exp = _says(posting.experience, p.no_experience)
        if not ((fam.skilled or fam.licensed) and no_edu and no_exp):
            return out
        desc = ctx.text.view("description").norm
        if any(w in desc for w in p.stated_words):
            return out
        spans = [span_of("title", title, named.start, named.end)]
        spans += [Span(field=f, start=0, end=len(v), text=v)
                  for f, v in (("education", posting.education), ("experience", posting.experience))
                  if v]
        out.append(self.finding(
            "content.requirements_implausible", say="licensed" if fam.licensed else "skilled",
            fill={"job": posting.title, "licence": fam.licence, "education": posting.education,
                  "experience": posting.experience},
            spans=spans,
            score=p.licensed_score if fam.licensed else None,
            data={"family": fam.id, "family_name": fam.name, "code": fam.code,
                  "skilled": fam.skilled, "licensed": fam.licensed, "licence": fam.licence or None,
                  "education": posting.education, "experience": posting.experience,
                  "table": "content/occupations.toml"},
        ))
        return out

    def _campus(self, posting: Posting) -> list[Finding]:
        """A campus posting whose `experience` field asks for `campus_max_years` or more.

        The years are the first number before 年 in the normalized field, Arabic digits only;
        nothing is read when the field says 不限, 应届, 以下 or 以内. The campaign family reads
        the same field its own way (`verifier/families/campaign/checks.py`: Chinese numerals
        too, on the text as submitted, more words meaning no requirement: 无, 在校, 实习,
        不要求). They stay two parsers: one that accepted both would move decisions (a campus
        posting asking 三年以上 would gain this finding; one asking 不要求3年 would lose it).
        """
        if (posting.channel or "") not in self.params.campus_channels or not posting.experience:
            return []
        exp = normalize(posting.experience)
        m = _YEARS.search(exp)
        if m is None or _says(exp, ["不限", "应届", "以下", "以内"]):
            return []
        years = int(m.group(1))
        if years < self.params.campus_max_years:
            return []
        return [self.finding(
            "content.requirements_implausible", say="campus", fill={"years": years},
            spans=[Span(field="experience", start=m.start(), end=m.end(),
                        text=posting.experience[m.start():m.end()])],
            data={"channel": posting.channel, "years": years,
                  "threshold": self.params.campus_max_years},
        )]
