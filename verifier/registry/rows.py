"""One source row → one `EnterpriseRecord`, or the reasons it cannot be one.

Used by the importer (CSV/JSONL through a mapping) and by the admin API (JSON records).
Codes go through `validate_uscc` (an invalid code is a bad row with the validator's reason;
a flag-level issue such as the GB 11714 org-code check is only a warning), statuses through
the status vocabulary (an unknown string is a bad row), capital through the capital parser.
A value the database cannot store (a NUL character) makes the row bad, named by its column.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from verifier.registry.capital import CapitalParser
from verifier.registry.mapping import LIST_FIELDS, Mapping
from verifier.registry.records import EnterpriseRecord, Status
from verifier.registry.status import StatusMap
from verifier.registry.uscc import validate_uscc

_PASS_THROUGH = ("recognitions", "lists", "capital_cny", "capital_currency", "capital_amount")
_RENAMES = {"status_raw": "status", "capital_raw": "capital"}
MAX_STAFF = 10_000_000
"""The largest head count kept (the largest employers have about two million)."""
NUL_REASON = "must not contain the NUL character (\\u0000): it cannot be stored"


@dataclass(frozen=True)
class RowProblem:
    """A problem with one row: line, reason, and the column and value concerned."""

    line: int
    reason: str
    column: str | None = None
    value: str | None = None
    unknown_status: str | None = None
    kind: str = "invalid"
    """What kind of problem (`nul_character` for a value the database cannot store)."""

    def __str__(self) -> str:
        where = f" [{self.column}={self.value!r}]" if self.column else ""
        return f"line {self.line}: {self.reason}{where}"


class RowBuilder:
    """Builds records from rows with one mapping, status vocabulary and capital parser."""

    def __init__(self, mapping: Mapping, statuses: StatusMap, capital: CapitalParser) -> None:
        self.mapping = mapping
        self.statuses = statuses
        self.capital = capital
        self.nulls = frozenset(mapping.source.null_values)

    def _get(self, row: dict[str, Any], fld: str) -> Any:
        cols = self.mapping.columns
        if cols:
            col = cols.get(fld)
            value = row.get(col) if col else None
        else:
            value = row.get(fld)
            if value is None:
                value = next((row.get(k) for k, v in _RENAMES.items() if v == fld), None)
        if isinstance(value, str):
            value = value.strip()
            if value in self.nulls:
                value = None
        if value is None and fld in self.mapping.defaults:
            value = self.mapping.defaults[fld]
        return value

    def _column(self, fld: str) -> str:
        return self.mapping.columns.get(fld, fld)

    def build(
        self, line: int, row: dict[str, Any]
    ) -> tuple[EnterpriseRecord | None, list[RowProblem], list[RowProblem]]:
        """The record, the problems that refuse it, and warnings that do not."""
        if "__error__" in row:
            return None, [RowProblem(line, str(row["__error__"]))], []
        bad: list[RowProblem] = []
        warn: list[RowProblem] = []
        out: dict[str, Any] = {}
        name = self._get(row, "name")
        if not isinstance(name, str) or not name:
            bad.append(RowProblem(line, "missing enterprise name", self._column("name")))
        out["name"] = name
        self._codes(line, row, out, bad, warn)
        self._status(line, row, out, bad)
        for fld in ("address", "industry", "business_scope", "staff_range", "branch_of",
                    "source", "division_code", "size_class"):
            v = self._get(row, fld)
            if v is not None:
                out[fld] = str(v)
        out.setdefault("division_code", out.pop("_division", None))
        out.pop("_division", None)
        self._dates(line, row, out, bad, warn)
        self._capital(line, row, out, warn)
        self._staff(line, row, out, bad, warn)
        for fld in LIST_FIELDS:
            v = self._get(row, fld)
            if isinstance(v, str):
                v = [s.strip() for s in v.split(self.mapping.source.list_separator) if s.strip()]
            if v:
                out[fld] = v
        if not self.mapping.columns:
            for fld in _PASS_THROUGH:
                if row.get(fld) is not None:
                    out[fld] = row[fld]
        bad += self._unstorable(line, out)
        if bad:
            return None, bad, warn
        try:
            return EnterpriseRecord.model_validate(out), [], warn
        except ValidationError as exc:
            return None, [RowProblem(line, f"{'.'.join(map(str, e['loc']))}: {e['msg']}")
                          for e in exc.errors()], warn

    def _unstorable(self, line: int, out: dict[str, Any]) -> list[RowProblem]:
        """A problem for each value the database cannot store (a NUL character: PostgreSQL
        text refuses it), named by its column and, inside lists and objects, its place."""
        return [RowProblem(line, NUL_REASON, self._column(_RENAMES.get(fld, fld)) + where,
                           _shown(value), kind="nul_character")
                for fld, top in out.items() for where, value in _nul_paths(top)]

    def _staff(self, line: int, row: dict[str, Any], out: dict[str, Any],
               bad: list[RowProblem], warn: list[RowProblem]) -> None:
        raw = self._get(row, "staff")
        if raw is None:
            return
        try:  # 5.0 is a whole number too (JSON Schema `integer`)
            staff = int(raw) if isinstance(raw, float) and raw.is_integer() else int(str(raw))
        except ValueError:
            bad.append(RowProblem(line, "staff is not a whole number", self._column("staff"),
                                  _shown(str(raw))))
            return
        if 0 <= staff <= MAX_STAFF:
            out["staff"] = staff
        else:
            warn.append(RowProblem(line, f"implausible staff count read as missing (kept: 0 to "
                                         f"{MAX_STAFF:,})", self._column("staff"),
                                   _shown(str(raw))))

    def _codes(self, line: int, row: dict[str, Any], out: dict[str, Any],
               bad: list[RowProblem], warn: list[RowProblem]) -> None:
        given = [(f, self._get(row, f)) for f in ("code", "uscc", "regno")]
        codes = [(f, str(v)) for f, v in given if v not in (None, "")]
        if not codes:
            bad.append(RowProblem(line, "no USCC or 注册号", self._column("code")))
            return
        for fld, raw in codes:
            chk = validate_uscc(raw)
            col = self._column(fld)
            if not chk.valid or chk.kind not in ("uscc", "regno"):
                reasons = "; ".join(f"{i.reason}: {i.message}" for i in chk.issues) or chk.kind
                bad.append(RowProblem(line, f"invalid code ({reasons})", col, raw))
                continue
            for issue in chk.issues:
                warn.append(RowProblem(line, f"{issue.reason}: {issue.message}", col, raw))
            out[chk.kind] = chk.code
            if chk.division and "_division" not in out:
                out["_division"] = chk.division

    def _status(self, line: int, row: dict[str, Any], out: dict[str, Any],
                bad: list[RowProblem]) -> None:
        identity = not self.mapping.columns
        raw = row.get("status_raw") if identity and row.get("status_raw") else None
        raw = raw if raw is not None else self._get(row, "status")
        if raw is None:
            return
        raw = str(raw)
        if identity and raw in Status.__members__ and not row.get("status_raw"):
            out["status"] = Status(raw)
            return
        res = self.statuses.resolve(raw)
        out["status_raw"] = raw
        out["status"] = res.status
        if not res.known:
            bad.append(RowProblem(line, f"unknown status {raw!r} (add it to "
                                  "rules/registry/status.toml)", self._column("status"), raw,
                                  unknown_status=raw))

    def _dates(self, line: int, row: dict[str, Any], out: dict[str, Any],
               bad: list[RowProblem], warn: list[RowProblem]) -> None:
        raw = self._get(row, "established")
        if raw is None:
            return
        d = _parse_date(str(raw), self.mapping.source.date_formats)
        col = self._column("established")
        if d is None:
            bad.append(RowProblem(line, "unreadable date", col, str(raw)))
        elif d.year < self.mapping.source.min_year:
            warn.append(RowProblem(line, "placeholder date read as missing", col, str(raw)))
        else:
            out["established"] = d

    def _capital(self, line: int, row: dict[str, Any], out: dict[str, Any],
                 warn: list[RowProblem]) -> None:
        raw = self._get(row, "capital")
        if raw is None:
            return
        out["capital_raw"] = str(raw)
        cap = self.capital.parse(str(raw))
        if cap is None:
            warn.append(RowProblem(line, "unreadable registered capital kept as text",
                                   self._column("capital"), str(raw)))
            return
        out.update(capital_amount=cap.amount, capital_currency=cap.currency, capital_cny=cap.cny)


def _nul_paths(value: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """(place, string) of every string holding NUL in a JSON-like value."""
    if isinstance(value, str):
        if "\x00" in value:
            yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _nul_paths(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _nul_paths(item, f"{where}[{i}]")


def _shown(value: str) -> str:
    return value if len(value) <= 80 else value[:77] + "..."


def _parse_date(raw: str, formats: list[str]) -> date | None:
    for fmt in formats:
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        return None
