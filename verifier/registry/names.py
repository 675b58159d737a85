"""Chinese enterprise-name normalization and parsing (DOMAIN.md §3.2).

API:
- `normalize_name(name, rules=None) -> ParsedName`: `name_norm` is the canonical full name
  (what exact lookups and the `enterprises.name_norm` column compare), `trade` the 字号 (what
  the fuzzy index and `enterprises.trade_name` hold); also `regions`, `industry`, `form`
  (canonical: 有限责任公司 → 有限公司), `group`, `branch`, `parent_norm`.
- `clean_name(name) -> str`: character-level cleanup only (full → half width, traditional →
  simplified, spaces and middle dots removed, every bracket style → `()`).
- `regions_compatible(a, b)`: a missing region is neutral; otherwise the two must share one.
- `NameRules.from_pack(pack)` reads `registry/names.toml` and `registry/divisions.csv`;
  `install_name_rules(rules)` makes them the process's (see `verifier.registry.reference`,
  which installs those of `Settings.rules_dir`); `default_name_rules()` returns them.

Canonical name = regions + 字号 + industry + 集团 + form + branch, where the region may have
been written first (北京百度网讯) or in brackets after the 字号 (百度网讯（北京）), with or
without 市/省 (长春市 == 长春).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from pydantic import BaseModel, ConfigDict

from verifier.pack import PackReader
from verifier.registry.uscc import DivisionRow
from verifier.text.normalize import normalize, translation_table

_DROP = str.maketrans({c: None for c in " \t\r\n·•・.。,，、\"'“”‘’"})
_BRACKETS = str.maketrans({"[": "(", "]": ")", "【": "(", "】": ")", "〔": "(", "〕": ")"})
_ART13 = ("分公司", "分店", "分厂")


class NameRulesFile(BaseModel):
    """Schema of `registry/names.toml`."""

    model_config = ConfigDict(extra="forbid")

    forms: dict[str, str]
    strong_markers: list[str]
    branches: list[str]
    group_words: list[str]
    region_suffixes: list[str]
    ethnic: list[str]
    bracket_regions: list[str]
    industries: list[str]


@dataclass(frozen=True)
class NameRules:
    """Compiled name-structure tables."""

    forms: dict[str, str]
    strong: frozenset[str]
    branches: frozenset[str]
    group_words: tuple[str, ...]
    regions: dict[str, str]  # alias (as written) → canonical token
    bracket_regions: frozenset[str]
    industries: frozenset[str]
    form_re: re.Pattern[str]
    max_region: int
    max_industry: int
    region_lengths: dict[str, tuple[int, ...]]  # first character → alias lengths, longest first

    @classmethod
    def from_pack(cls, pack: PackReader, prefix: str = "registry/") -> NameRules:
        """Read `names.toml` and `divisions.csv` through `pack` (issues recorded there)."""
        rel = prefix + "names.toml"
        doc = pack.document(rel, NameRulesFile)
        data = doc[0] if doc else None
        if data is None:
            data = NameRulesFile(
                forms={}, strong_markers=[], branches=[], group_words=[], region_suffixes=[],
                ethnic=[], bracket_regions=[], industries=[],
            )  # fmt: skip
        rows = [r for _, r in pack.csv_rows(prefix + "divisions.csv", DivisionRow, key=("code",))]
        regions = _region_aliases(rows, data)
        tokens = sorted({*data.forms, *data.branches}, key=len, reverse=True)
        form_re = re.compile("|".join(re.escape(t) for t in tokens) or "(?!)")
        return cls(
            forms=data.forms,
            strong=frozenset(f for f in data.forms if any(m in f for m in data.strong_markers)),
            branches=frozenset(data.branches),
            group_words=tuple(sorted(data.group_words, key=len, reverse=True)),
            regions=regions,
            bracket_regions=frozenset(data.bracket_regions),
            industries=frozenset(data.industries),
            form_re=form_re,
            max_region=max(map(len, regions), default=0),
            max_industry=max(map(len, data.industries), default=0),
            region_lengths=_lengths_by_first(regions),
        )


def _lengths_by_first(aliases: dict[str, str]) -> dict[str, tuple[int, ...]]:
    out: dict[str, set[int]] = {}
    for a in aliases:
        out.setdefault(a[0], set()).add(len(a))
    return {k: tuple(sorted(v, reverse=True)) for k, v in out.items()}


def _short(name: str, data: NameRulesFile) -> str:
    for suf in sorted(data.region_suffixes, key=len, reverse=True):
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            name = name[: -len(suf)]
            break
    changed = True
    while changed:
        changed = False
        for eth in sorted(data.ethnic, key=len, reverse=True):
            if name.endswith(eth) and len(name) - len(eth) >= 2:
                name, changed = name[: -len(eth)], True
                break
    return name


def _region_aliases(rows: list[DivisionRow], data: NameRulesFile) -> dict[str, str]:
    out: dict[str, str] = {}
    for r in rows:
        if r.level == "national" or r.name in ("市辖区", "县", "省直辖县级行政区划"):
            continue
        name = normalize(r.name)
        short = name
        if r.level in ("province", "city") or name.endswith("市"):
            short = _short(name, data)
        out.setdefault(name, short)
        out.setdefault(short, short)
    return out


_installed: list[NameRules] = []


def install_name_rules(rules: NameRules) -> None:
    """Make `rules` what `normalize_name` (and its memo) uses in this process."""
    if _installed and _installed[0] == rules:
        return
    from verifier.registry.namekeys import name_keys

    _installed[:] = [rules]
    parse_cached.cache_clear()
    name_keys.cache_clear()


def installed_name_rules() -> NameRules | None:
    """The rules installed in this process (None before any install)."""
    return _installed[0] if _installed else None


def default_name_rules() -> NameRules:
    """The installed rules; before any install, the default rule pack's (loaded once).

    The service and the commands install those of `Settings.rules_dir` at start; the
    default pack (`settings.DEFAULT_RULES_DIR`, a source checkout's `rules/`) only serves
    library use such as tests, and is missing from an installed package (RulePackError).
    """
    if not _installed:
        from verifier.registry.reference import use_rules_dir
        from verifier.settings import DEFAULT_RULES_DIR

        use_rules_dir(DEFAULT_RULES_DIR)
    return _installed[0]


@dataclass(frozen=True, slots=True)
class ParsedName:
    """A parsed enterprise name; every field is normalized."""

    name: str  # cleaned full name (characters only, structure untouched)
    name_norm: str  # canonical full name
    parent_norm: str  # canonical name without the branch suffix
    trade: str  # 字号
    regions: tuple[str, ...]
    industry: str
    form: str  # canonical organizational form
    group: bool
    branch: str

    @property
    def normalized(self) -> str:
        """Alias of `name_norm` (the `enterprises.name_norm` column)."""
        return self.name_norm

    @property
    def trade_name(self) -> str:
        """Alias of `trade` (the `enterprises.trade_name` column)."""
        return self.trade

    @property
    def region(self) -> str:
        """The region tokens joined ('' when the name has none)."""
        return "".join(self.regions)


@cache
def _clean_table() -> dict[int, str | None]:
    """`normalize`'s one-to-one table composed with bracket unification and dropping."""
    extra: dict[int, str | None] = {**_BRACKETS, **_DROP}

    def after(ch: str) -> str | None:
        return extra.get(ord(ch), ch)

    table: dict[int, str | None] = {cp: after(ch) for cp, ch in translation_table().items()}
    for cp, ch in extra.items():
        table.setdefault(cp, ch)
    return table


def clean_name(name: str) -> str:
    """Character-level cleanup: width, traditional, case, spaces, dots, bracket styles."""
    return name.translate(_clean_table())


def normalize_name(name: str, rules: NameRules | None = None) -> ParsedName:
    """Parse `name` into region / 字号 / industry / form / branch and build its canonical form."""
    r = rules or default_name_rules()
    s = clean_name(name)
    parent, branch = _split_branch(s, r)
    form = ""
    for length in range(min(len(parent) - 1, 8), 0, -1):
        tail = parent[-length:]
        if tail in r.forms:
            form, parent = r.forms[tail], parent[:-length]
            break
    group = False
    for g in r.group_words:
        if parent.endswith(g) and len(parent) > len(g):
            group, parent = True, parent[: -len(g)]
            break
    core, after = _bracket_regions(parent, r)
    regions, core = _leading_regions(core, r)
    regions += after
    core = core.replace("(", "").replace(")", "")
    trade, industry = _split_industry(core, r)
    base = "".join(regions) + trade + industry + ("集团" if group else "") + form
    return ParsedName(
        name=s,
        name_norm=base + branch,
        parent_norm=base,
        trade=trade,
        regions=tuple(regions),
        industry=industry,
        form=form,
        group=group,
        branch=branch,
    )


@lru_cache(maxsize=16384)
def parse_cached(name: str) -> ParsedName:
    """`normalize_name(name)` with the shipped rules, memoized (employer names repeat)."""
    return normalize_name(name)


def _split_branch(s: str, r: NameRules) -> tuple[str, str]:
    last_strong = None
    last = None
    for m in r.form_re.finditer(s):
        last = m
        if m.group() in r.strong and m.start() >= 2:
            last_strong = m
    if last_strong is not None and last_strong.end() < len(s):
        return s[: last_strong.end()], s[last_strong.end() :]
    if last is not None and last.end() == len(s) and last.group() in _ART13 and last.start() >= 2:
        return s[: last.start()], last.group()
    return s, ""


def _bracket_regions(s: str, r: NameRules) -> tuple[str, list[str]]:
    found: list[str] = []

    def take(m: re.Match[str]) -> str:
        inner = m.group(1)
        if inner in r.bracket_regions:
            found.append(inner)
            return ""
        tokens, rest = _leading_regions(inner + "..", r)
        if not tokens or rest != "..":
            return m.group(0)
        found.extend(tokens)
        return ""

    return re.sub(r"\(([^()]{1,10})\)", take, s), found


def _leading_regions(s: str, r: NameRules) -> tuple[list[str], str]:
    out: list[str] = []
    while True:
        hit = None
        for length in r.region_lengths.get(s[:1], ()):
            if length > len(s) - 2:
                continue
            token = r.regions.get(s[:length])
            if token is not None:
                hit = (length, token)
                break
        if hit is None:
            return out, s
        out.append(hit[1])
        s = s[hit[0] :]


def _split_industry(s: str, r: NameRules) -> tuple[str, str]:
    industry = ""
    while True:
        hit = 0
        for length in range(min(r.max_industry, len(s) - 2), 1, -1):
            if s[-length:] in r.industries:
                hit = length
                break
        if not hit:
            return s, industry
        industry = s[-hit:] + industry
        s = s[:-hit]


def regions_compatible(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """True when either side has no region or they share a region token."""
    return not a or not b or bool(set(a) & set(b))


def leading_region(name: str, rules: NameRules | None = None) -> tuple[str, str]:
    """Split a cleaned name into (region prefix as written, rest); ('', name) when none."""
    r = rules or default_name_rules()
    s = clean_name(name)
    _, rest = _leading_regions(s, r)
    return s[: len(s) - len(rest)], rest
