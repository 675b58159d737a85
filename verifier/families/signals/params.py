"""Pack schema of the signals family: `rules/signals/cues.toml` and `rules/signals/weights.toml`."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Word = Annotated[str, Field(min_length=1, max_length=40)]
Words = list[Word]

CUE_NAMES = (
    "title_subtitle_mismatch", "pay_figures", "open_requirements_skilled", "hype",
    "duties_one_line", "headcount_vs_size", "intro_missing", "intro_advert", "scope_too_broad",
    "young_company_many", "welfare_too_good", "urgency", "body_contradicts_fields",
    "sibling_shells",
)
"""Every cue, in feature order (the model and the weights file use this order)."""

CUE_FIELDS: dict[str, tuple[str, ...]] = {
    "title_subtitle_mismatch": ("job", "subtitle"),
    "pay_figures": ("count",),
    "open_requirements_skilled": ("job", "open"),
    "hype": ("words",),
    "duties_one_line": ("sentences", "chars"),
    "headcount_vs_size": ("headcount", "size"),
    "intro_missing": ("min_chars",),
    "intro_advert": ("words",),
    "scope_too_broad": ("items", "capital"),
    "young_company_many": ("age", "headcount"),
    "welfare_too_good": ("count",),
    "urgency": ("urgent", "companions"),
    "body_contradicts_fields": ("fields", "asked"),
    "sibling_shells": ("count", "established", "capital"),
}
"""What each cue fills its rule's message with (`signals.cue.<name>` in rules.toml)."""


class CueParams(BaseModel):
    """Vocabulary and thresholds of the cues (`rules/signals/cues.toml`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    subtitle_max_chars: Annotated[int, Field(ge=1, le=200)] = 40
    pay_min_distinct: Annotated[int, Field(ge=2, le=20)] = 3
    no_requirement: Words = Field(default_factory=lambda: ["不限", "无经验", "无需经验"])
    hype: Words = Field(default_factory=list)
    duties_max_chars: Annotated[int, Field(ge=1, le=2000)] = 80
    duties_max_sentences: Annotated[int, Field(ge=1, le=20)] = 1
    agency_words: Words = Field(default_factory=lambda: ["劳务派遣", "人力资源", "劳务"])
    headcount_over_size: Annotated[float, Field(gt=0, le=100)] = 1.0
    intro_min_chars: Annotated[int, Field(ge=0, le=2000)] = 15
    intro_advert: Words = Field(default_factory=list)
    scope_min_items: Annotated[int, Field(ge=2, le=500)] = 20
    scope_small_capital_cny: Annotated[float, Field(ge=0)] = 1_000_000
    scope_small_staff: Annotated[int, Field(ge=1)] = 50
    young_days: Annotated[int, Field(ge=1, le=3650)] = 365
    young_min_headcount: Annotated[int, Field(ge=1)] = 10
    welfare: Words = Field(default_factory=list)
    welfare_min_distinct: Annotated[int, Field(ge=1, le=100)] = 7
    urgency: Words = Field(default_factory=list)
    urgency_companions: Words = Field(default_factory=list)
    education_levels: Words = Field(default_factory=list)
    shell_min_siblings: Annotated[int, Field(ge=1, le=1000)] = 2
    """Other registered enterprises sharing the employer's founding date, capital and scope
    from which `sibling_shells` fires."""
    cap: Annotated[float, Field(gt=0, le=100)] = 5.0
    """Largest feature value a counting cue contributes (counts above it are capped)."""


class SumParams(BaseModel):
    """The calibrated sum (`rules/signals/weights.toml`): p = sigmoid(bias + Σ w·value)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bias: float = 0.0
    threshold: Annotated[float, Field(gt=0, lt=1)] = 0.99
    weights: dict[str, float] = Field(default_factory=dict)
