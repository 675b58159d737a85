"""Import mappings: which source column feeds which record field (`fixtures/mappings/*.toml`).

A mapping names the source (and its licence), the file's encoding, how to treat repeated
header rows and duplicate codes, which cell values mean "no value", and `[columns]`:
record field → source column. `code` takes a USCC or a legacy 15-digit 注册号 (decided by
the validator). `[defaults]` gives values for fields the source has no column for.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

FIELDS = frozenset({
    "name", "code", "uscc", "regno", "former_names", "aliases", "status", "established",
    "division_code", "address", "industry", "business_scope", "capital", "size_class",
    "staff", "staff_range", "branch_of", "source",
})
LIST_FIELDS = frozenset({"former_names", "aliases"})


class Source(BaseModel):
    """Where the file comes from and how to read it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    licence: str = ""
    encoding: str = "utf-8"
    format: Literal["csv", "jsonl"] = "csv"
    duplicates: Literal["error", "identical", "first"] = "error"
    """error: a repeated code is a bad row; identical: repeats of the same record are merged,
    differing ones are bad rows; first: the first row of a code wins, later ones are noted."""
    skip_repeated_header: bool = False
    null_values: list[str] = Field(default_factory=lambda: ["", "N/A", "-", "null", "None"])
    date_formats: list[str] = Field(default_factory=lambda: ["%Y-%m-%d", "%Y-%m-%d %H:%M:%S",
                                                             "%Y/%m/%d", "%Y年%m月%d日"])
    min_year: int = 1900
    """Dates before this year are placeholders (e.g. 1800-12-31) and read as missing."""
    list_separator: str = ";"


class Mapping(BaseModel):
    """A whole mapping file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: Source = Field(default_factory=Source)
    columns: dict[str, str] = Field(default_factory=dict)
    defaults: dict[str, str] = Field(default_factory=dict)

    @field_validator("columns", "defaults")
    @classmethod
    def _known_fields(cls, v: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(v) - FIELDS)
        if unknown:
            raise ValueError(f"unknown record field(s): {', '.join(unknown)}")
        return v

    @classmethod
    def load(cls, path: Path) -> Mapping:
        """Read and validate a mapping file; errors name the file."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            return cls.model_validate(data)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise MappingError(f"{path}: {exc}") from exc
        except ValidationError as exc:
            msgs = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise MappingError(f"{path}: {msgs}") from exc

    @classmethod
    def identity(cls, fmt: Literal["csv", "jsonl"]) -> Mapping:
        """The mapping used without --mapping: columns named like the record fields."""
        return cls(source=Source(format=fmt))


class MappingError(Exception):
    """A mapping file that cannot be used."""
