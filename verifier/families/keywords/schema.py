"""The keyword rule files (`rules/keywords/*.toml`) as validated pydantic models.

- `engine.toml`: scanning parameters (`KeywordParams`);
- `variants.toml`: digit unification table and variant spellings (`VariantsFile`);
- `negation.toml`: negation cues and affirming words (`NegationFile`);
- `rules.toml`: the family's rules, declared as every family's are (`verifier.families.rules`);
- every other `*.toml`: one category of phrases (`CategoryFile`), e.g. `fee_upfront.toml`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from verifier.models import Severity

Word = Annotated[str, Field(min_length=1, max_length=40)]
Scope = Literal["clause", "sentence"]
SPECIAL_FILES = ("engine.toml", "variants.toml", "negation.toml", "contact.toml", "rules.toml")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KeywordParams(_Model):
    """`rules/keywords/engine.toml`: what is scanned and how far characters may drift."""

    fields: Annotated[list[str], Field(min_length=1)] = ["title", "description"]
    max_gap: Annotated[int, Field(ge=0, le=10)] = 3
    max_ascii_gap: Annotated[int, Field(ge=0, le=5)] = 1
    window: Annotated[int, Field(ge=1, le=100)] = 8
    reach: Annotated[int, Field(ge=10, le=500)] = 60
    max_spans: Annotated[int, Field(ge=1, le=500)] = 20
    max_matches: Annotated[int, Field(ge=1, le=100_000)] = 1000
    pinyin_severity: Severity = Severity.flag
    max_forms: Annotated[int, Field(ge=1, le=1000)] = 64


class Fold(_Model):
    """A canonical spelling and the variants that stand for it (薇信 → 微信)."""

    canonical: Word
    variants: Annotated[list[Word], Field(min_length=1)]
    note: str = ""


class VariantsFile(_Model):
    """`rules/keywords/variants.toml`."""

    digits: dict[Annotated[str, Field(pattern=r"^[0-9]$")], str] = Field(default_factory=dict)
    fold: list[Fold] = Field(default_factory=list)


class Negation(_Model):
    """Cues that cancel a negatable phrase, by where they stand relative to it."""

    clause: list[Word] = Field(default_factory=list)
    sentence: list[Word] = Field(default_factory=list)
    adjacent: list[Word] = Field(default_factory=list)
    after: list[Word] = Field(default_factory=list)
    alone: list[Word] = Field(default_factory=list)
    after_window: Annotated[int, Field(ge=1, le=20)] = 4
    affirm: list[Word] = Field(default_factory=list)


class NegationFile(_Model):
    """`rules/keywords/negation.toml`."""

    negation: Negation = Field(default_factory=Negation)


class PhraseSpec(_Model):
    """One phrase: what it means, how severe, and the context that changes that."""

    text: Annotated[str, Field(min_length=1, max_length=50)]
    severity: Severity
    rule: str | None = None
    negatable: bool = True
    escalate: list[Word] = Field(default_factory=list)
    escalate_to: Severity = Severity.reject
    required: list[Word] = Field(default_factory=list)
    forbidden: list[Word] = Field(default_factory=list)
    window: Annotated[int, Field(ge=1, le=100)] | None = None
    scope: Scope = "clause"
    senses: list[Word] = Field(default_factory=list)
    sense_titles: list[Word] = Field(default_factory=list)
    channel: dict[str, Severity] = Field(default_factory=dict)
    pinyin: bool = False
    weak: bool = False
    basis: str = ""
    note: str = ""

    @field_validator("text")
    @classmethod
    def _stripped(cls, v: str) -> str:
        if v != v.strip():
            raise ValueError("phrase has leading or trailing spaces")
        return v


class CategoryFile(_Model):
    """One `rules/keywords/<category>.toml`: the category's phrases (its rules, the ones
    named `keywords.<category>[.<sub>]`, are declared in `rules.toml`)."""

    category: Annotated[str, Field(pattern=r"^[a-z_]+$")]
    phrase: list[PhraseSpec] = Field(default_factory=list)
