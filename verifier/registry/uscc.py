"""USCC (统一社会信用代码, GB 32100-2015) and legacy 15-digit 注册号 validation.

API:
- `validate_uscc(raw, tables=None) -> CodeCheck`: normalize (full width, spaces, hyphens,
  lower case), then report every failure with its own `Reason`; `CodeCheck.valid` is False
  only for invalid-level reasons (alphabet, length, check char, authority, entity type,
  province); flag-level reasons (GB 11714 org-code check, unknown division) keep it valid.
  A 15-digit all-digit input is treated as a legacy 注册号 (`kind == "regno"`).
- `normalize_code(raw) -> str`, `uscc_check_char(first17)`, `org_code_check_char(first8)`,
  `regno15_check_digit(first14)`, `regno15_valid(code)`.
- `UsccTables.from_pack(pack)` reads `registry/uscc_authorities.csv` and
  `registry/divisions.csv` through a `PackReader`; `install_tables(tables)` makes them the
  process's (see `verifier.registry.reference`); `default_tables()` returns them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field

from verifier.pack import PackReader

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_STRIP = str.maketrans("", "", " \t\r\n-_·.")
_REPAIR = {"O": "0", "I": "1", "Z": "2", "S": "5", "V": "U"}


class Reason(StrEnum):
    """Why a code failed; each failure has its own reason."""

    empty = "empty"
    alphabet = "alphabet"
    length = "length"
    check_char = "check_char"
    org_code_check = "org_code_check"
    authority = "authority"
    entity_type = "entity_type"
    province = "province"
    division_unknown = "division_unknown"
    regno_check = "regno_check"


# Flag-level: real, otherwise well-formed codes fail these (measured on the registration
# sample: 3 of 49,772 fail the org-code check, 4,518 carry a division code absent from the
# 2023 table, 1 has entity type 9 under authority 9), so they cannot make a code invalid.
FLAG_REASONS = frozenset({Reason.org_code_check, Reason.division_unknown, Reason.entity_type})


@dataclass(frozen=True, slots=True)
class Issue:
    """One failure: reason, level (invalid | flag), Chinese message, position, details."""

    reason: Reason
    message: str
    position: int | None = None  # 1-based character position in the normalized code
    expected: str | None = None
    found: str | None = None

    @property
    def level(self) -> str:
        """'flag' for reasons that do not make the code invalid, else 'invalid'."""
        return "flag" if self.reason in FLAG_REASONS else "invalid"


@dataclass(frozen=True, slots=True)
class CodeCheck:
    """Result of validating one code."""

    raw: str
    code: str
    kind: str  # "uscc" | "regno" | "unknown"
    issues: tuple[Issue, ...] = ()
    authority: str | None = None
    entity_type: str | None = None
    division: str | None = None
    org_code: str | None = None

    @property
    def valid(self) -> bool:
        """Well-formed: no invalid-level issue (flag-level issues allowed)."""
        return all(i.level == "flag" for i in self.issues)

    @property
    def reasons(self) -> list[Reason]:
        """The reasons of every issue, in order."""
        return [i.reason for i in self.issues]


class AuthorityRow(BaseModel):
    """One row of `registry/uscc_authorities.csv`."""

    model_config = ConfigDict(extra="forbid")

    authority: str = Field(pattern=r"^[0-9A-Z]$")
    authority_name: str
    entity_type: str = Field(pattern=r"^[0-9A-Z]$")
    entity_type_name: str = ""
    note: str = ""


class DivisionRow(BaseModel):
    """One row of `registry/divisions.csv` (GB/T 2260 code, name, level, parent)."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^\d{6}$")
    name: str
    level: str = Field(pattern=r"^(national|province|city|county)$")
    parent: str = ""


@dataclass(frozen=True)
class UsccTables:
    """Registration-authority/entity-type codes and the division table."""

    authorities: dict[str, frozenset[str]]
    divisions: dict[str, DivisionRow] = field(default_factory=dict)

    @classmethod
    def from_pack(cls, pack: PackReader, prefix: str = "registry/") -> UsccTables:
        """Read both tables through `pack` (issues are recorded there)."""
        auth: dict[str, set[str]] = {}
        for _, row in pack.csv_rows(
            prefix + "uscc_authorities.csv", AuthorityRow, key=("authority", "entity_type")
        ):
            auth.setdefault(row.authority, set()).add(row.entity_type)
        rows = pack.csv_rows(prefix + "divisions.csv", DivisionRow, key=("code",))
        return cls(
            authorities={k: frozenset(v) for k, v in auth.items()},
            divisions={r.code: r for _, r in rows},
        )

    @cached_property
    def provinces(self) -> frozenset[str]:
        """Two-digit province prefixes (plus 10 for national authorities), computed once."""
        return frozenset(c[:2] for c, r in self.divisions.items() if r.level != "county")


_installed: list[UsccTables] = []


def install_tables(tables: UsccTables) -> None:
    """Make `tables` what `validate_uscc` uses by default in this process."""
    _installed[:] = [tables]


def installed_tables() -> UsccTables | None:
    """The tables installed in this process (None before any install)."""
    return _installed[0] if _installed else None


def default_tables() -> UsccTables:
    """The installed tables; before any install, the default rule pack's (loaded once)."""
    if not _installed:
        from verifier.registry.reference import use_rules_dir
        from verifier.settings import DEFAULT_RULES_DIR

        use_rules_dir(DEFAULT_RULES_DIR)
    return _installed[0]


def normalize_code(raw: str) -> str:
    """NFKC (full width → half width), drop spaces/hyphens/dots, upper-case."""
    return unicodedata.normalize("NFKC", raw).translate(_STRIP).upper()


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character for 17 alphabet characters."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def _org_value(c: str) -> int:
    return int(c) if c.isdigit() else ord(c) - ord("A") + 10


def org_code_check_char(first8: str) -> str:
    """The GB 11714 check character for an 8-character organization code body."""
    total = sum(_org_value(c) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def regno15_check_digit(first14: str) -> str:
    """ISO 7064 MOD 11,10 check digit for the first 14 digits of a 注册号."""
    p = 10
    for ch in first14:
        s = (p + int(ch)) % 10 or 10
        p = (s * 2) % 11
    return str((11 - p) % 10)


def regno15_valid(code: str) -> bool:
    """Whether `code` is a 15-digit 注册号 with a correct MOD 11,10 check digit."""
    return len(code) == 15 and code.isdigit() and regno15_check_digit(code[:14]) == code[14]


def validate_uscc(raw: str | None, tables: UsccTables | None = None) -> CodeCheck:
    """Validate a USCC (or legacy 注册号) with a distinct reason per failure."""
    raw = raw or ""
    code = normalize_code(raw)
    if not code:
        return CodeCheck(raw, code, "unknown", (Issue(Reason.empty, "代码为空"),))
    if len(code) == 15 and code.isdigit():
        if regno15_valid(code):
            return CodeCheck(raw, code, "regno", division=code[:6])
        issue = Issue(
            Reason.regno_check, "注册号校验位错误", 15, regno15_check_digit(code[:14]), code[14]
        )
        return CodeCheck(raw, code, "regno", (issue,))
    issues = _shape_issues(code)
    if issues:
        return CodeCheck(raw, code, "unknown" if len(code) != 18 else "uscc", tuple(issues))
    return _check_uscc(raw, code, tables or default_tables())


def _shape_issues(code: str) -> list[Issue]:
    issues: list[Issue] = []
    for pos, ch in enumerate(code, start=1):
        if ch not in _VALUE:
            fix = _REPAIR.get(ch)
            hint = f"，疑为{fix}" if fix else ""
            issues.append(
                Issue(Reason.alphabet, f"第{pos}位字符“{ch}”不在代码字符集内{hint}", pos, fix, ch)
            )
    if len(code) != 18:
        issues.append(
            Issue(Reason.length, f"长度为{len(code)}位，应为18位", None, "18", str(len(code)))
        )
    return issues


def _check_uscc(raw: str, code: str, tables: UsccTables) -> CodeCheck:
    issues: list[Issue] = []
    want = uscc_check_char(code[:17])
    if want != code[17]:
        issues.append(Issue(Reason.check_char, f"校验码错误，应为{want}", 18, want, code[17]))
    org = code[8:17]
    org_want = org_code_check_char(org[:8])
    if org_want != org[8]:
        issues.append(
            Issue(
                Reason.org_code_check,
                f"组织机构代码校验位错误，应为{org_want}",
                17,
                org_want,
                org[8],
            )
        )
    auth, etype, div = code[0], code[1], code[2:8]
    types = tables.authorities.get(auth)
    if types is None:
        issues.append(Issue(Reason.authority, f"登记管理部门代码“{auth}”不存在", 1, None, auth))
    elif etype not in types:
        issues.append(
            Issue(
                Reason.entity_type, f"机构类别代码“{etype}”不属于登记管理部门{auth}", 2, None, etype
            )
        )
    if not div.isdigit() or div[:2] not in tables.provinces:
        issues.append(Issue(Reason.province, f"行政区划码“{div}”的省级代码不存在", 3, None, div))
    elif div not in tables.divisions:
        parent = div[:4] + "00" if div[:4] + "00" in tables.divisions else div[:2] + "0000"
        issues.append(
            Issue(
                Reason.division_unknown,
                f"行政区划码“{div}”不在区划表中（可能为旧代码或市辖区代码）",
                3,
                parent,
                div,
            )
        )
    return CodeCheck(raw, code, "uscc", tuple(issues), auth, etype, div, org)
