"""Shared by the registry checks: their params (`rules/registry/checks.toml`), brands, helpers."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Protocol

from pydantic import BaseModel, ConfigDict, Field

from verifier.families.base import Context
from verifier.models import Severity
from verifier.registry.fact import ReadsRegistry

Score = Annotated[float, Field(ge=0, le=100)]


class RegistryParams(BaseModel):
    """`rules/registry/checks.toml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name_match: Score = 85.0
    name_clearly_other: Score = 50.0
    lookalike_min: Score = 70.0
    brand_similar: Score = 75.0
    uscc_missing_resolved: Severity = Severity.info
    """No code given, but the name resolves exactly (name, former name, alias) to one active
    registered company: the identity is established through the registry."""
    uscc_missing_resolved_score: Score = 15.0
    not_found_with_candidate: Severity = Severity.flag
    too_new_days: Annotated[int, Field(ge=0, le=3650)] = 90
    claims: dict[str, list[str]] = Field(default_factory=dict)
    claim_colloquial: list[str] = Field(default_factory=list)
    """Words right before a claim phrase that make it colloquial or a local honour
    (行业小巨人, 科技小巨人), not a claim of the national title."""
    programme_start: dict[str, date] = Field(default_factory=dict)
    """Tier -> the date its first list was published: a claim before it cannot be true."""


class Brand(BaseModel):
    """A well-known brand and the legal entities entitled to it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    brand: str
    trades: list[str] = Field(min_length=1)
    names: list[str] = Field(min_length=1)
    uscc: list[str] = Field(default_factory=list)


class BrandFile(BaseModel):
    """`rules/registry/brands.toml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    brand: list[Brand] = Field(default_factory=list)


class RegistryContext(Context, ReadsRegistry, Protocol):
    """What the registry checks read: the posting and the registry fact."""
