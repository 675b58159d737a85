"""Enterprise registry records: the shape every registry component agrees on.

`EnterpriseRecord` is what an import produces, what the `enterprises` table stores and what
a lookup backend returns. Status is kept twice: as registered (`status_raw`, any vendor
vocabulary) and normalized (`status`, via `rules/registry/status.toml`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from verifier.registry.uscc import normalize_code


class Status(StrEnum):
    """Normalized registration status."""

    active = "active"
    moved_out = "moved_out"
    suspended = "suspended"
    closed_temporarily = "closed_temporarily"  # 歇业
    liquidating = "liquidating"
    revoked = "revoked"
    deregistered = "deregistered"
    cancelled = "cancelled"
    unknown = "unknown"


class SizeClass(StrEnum):
    """SME size class (《中小企业划型标准规定》)."""

    micro = "微型"
    small = "小型"
    medium = "中型"
    large = "大型"


class Recognition(BaseModel):
    """A 专精特新 / 专精特新"小巨人" recognition (tier: zjtx | little_giant | innovative)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tier: str
    batch: str | None = None
    authority: str | None = None
    recognised_on: date | None = None
    valid_until: date | None = None


class ListMembership(BaseModel):
    """Membership of a public list (abnormal: 经营异常名录; serious: 严重违法失信名单)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    list: str
    listed_on: date | None = None
    removed_on: date | None = None
    reason: str | None = None


class EnterpriseRecord(BaseModel):
    """One registered enterprise."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    uscc: str | None = None
    regno: str | None = None
    name: str
    former_names: list[str] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)
    status_raw: str | None = None
    status: Status = Status.unknown
    established: date | None = None
    division_code: str | None = None
    address: str | None = None
    industry: str | None = None
    business_scope: str | None = None
    capital_raw: str | None = None
    capital_cny: float | None = None
    capital_currency: str | None = None
    capital_amount: float | None = None
    """Capital in `capital_currency` (yuan units, 万 applied); `capital_cny` is its CNY value."""
    size_class: SizeClass | None = None
    staff: int | None = None
    staff_range: str | None = None
    """Head-count band as a source states it (e.g. `100-499人`)."""
    branch_of: str | None = None
    """USCC of the parent when this record is a branch (分公司); normalized like every code,
    so both lookup backends find a parent's branches by its stored USCC."""
    recognitions: list[Recognition] = Field(default_factory=list)
    lists: list[ListMembership] = Field(default_factory=list)
    source: str | None = None

    @field_validator("branch_of")
    @classmethod
    def _normalize_parent(cls, v: str | None) -> str | None:
        return normalize_code(v) or None if v is not None else None


@dataclass(frozen=True, slots=True)
class PlaceRef:
    """Where one registry record is registered: its code, name and division (for branches)."""

    uscc: str | None
    name: str
    division_code: str | None
