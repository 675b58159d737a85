"""Salary notation parser: every way Chinese portals write pay, to one normalised value.

`parse(text)` reads a salary string (`8-12K·13薪`, `1-1.5万/月`, `年薪15-25万`, `300-330元/天`,
`25元/时`, `面议`, `底薪3000+提成`, `综合薪资8000+`, `八千`, full-width digits ...) into a
`SalaryParse`: min, max, unit, months paid per year, negotiable, base-plus-commission,
currency and the monthly equivalent (day × 21.75, hour × 174, year ÷ months paid;
劳社部发〔2008〕3号). It never raises and never returns min over max: a reversed range is
swapped and recorded in `issues`; text it cannot read has status ``unread``.

`find_pay(text)` finds pay statements inside free text (a description), for comparison
with the structured salary. All offsets are into the original text (normalization here is
one-to-one, see `verifier.text.normalize`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from verifier.text.normalize import normalize
from verifier.text.salary_numbers import (
    ARABIC,
    CN_NUMERAL,
    MULTIPLIERS,
    has_cn_multiplier,
    number_value,
)

Unit = Literal["hour", "day", "week", "month", "year"]
Status = Literal["ok", "negotiable", "empty", "unread"]

DAYS_PER_MONTH = 21.75
HOURS_PER_MONTH = 174.0
_FACTOR: dict[str, float] = {
    "hour": HOURS_PER_MONTH, "day": DAYS_PER_MONTH, "week": DAYS_PER_MONTH / 5, "month": 1.0,
}
_UNIT_WORDS: dict[str, Unit] = {
    "小时": "hour", "时": "hour", "h": "hour", "天": "day", "日": "day", "d": "day",
    "周": "week", "星期": "week", "月": "month", "m": "month", "年": "year", "y": "year",
}
_PREFIX_UNITS: dict[str, Unit] = {
    "时薪": "hour", "日薪": "day", "周薪": "week", "月薪": "month", "年薪": "year",
    "年收入": "year", "年包": "year",
}

_MULT = r"k|w|千|万|百"
_SEP = r"-+|~+|—+|–+|至|到"
_AMOUNT = re.compile(
    rf"(?P<n1>{ARABIC}|{CN_NUMERAL})\s*(?P<m1>{_MULT})?"
    rf"(?:\s*(?:元|块)?\s*(?:{_SEP})\s*(?P<n2>{ARABIC}|{CN_NUMERAL})\s*(?P<m2>{_MULT})?)?"
)
_SUFFIX = re.compile(
    r"\s*(?:元|块)?\s*(?P<q>及以上|以上|起|\+|以下|以内|之内)?\s*(?:元|块|rmb|人民币)?\s*"
    r"(?:(?:/|每|一|每个)\s*(?P<u>小时|时|h|天|日|d|周|星期|月|m|年|y)(?![a-z]))?"
)
_NOT_PAY_AFTER = re.compile(
    r"\s*(?:年(?!薪)|个|薪|险|人|岁|届|号|天|周|月|小时|日|分|点|%|:|、|\)|）|\.(?!\d))"
)
_MONTHS = re.compile(r"(?:[·•.x×*/]\s*)?(?P<n>\d{1,2}|[十一二三四五六七八九]{1,3})\s*薪")
# Where a `_MONTHS` match can end: a 薪 right after a numeral (spaces between allowed).
_MONTHS_END = re.compile(r"(?:\d|[十一二三四五六七八九])\s*薪")
_UNIT_TAIL = re.compile(r"/\s*(小时|时|天|日|周|月|年)")
_MONTHS_X = re.compile(r"\s*[·•x×*]\s*(?P<n>\d{2})(?!\d)")  # used with .match(norm, pos)
_NEGOTIABLE = re.compile(r"面议|面谈|议价|可议|可谈|商议|协商|待定|negotiable")
_BASE = re.compile(r"底薪|保底|基本工资|基本薪资|无责")
_COMMISSION_WORDS = re.compile(r"提成|佣金|绩效|计件|分红|上不封顶")
_COMMISSION = re.compile(r"\s*(?:元|块)?\s*\+")
_COMPREHENSIVE = re.compile(r"综合|包括|含")
_CADENCE = re.compile(r"日结|周结|月结|现结|当天结")
_CURRENCY = (
    ("USD", re.compile(r"美元|美金|usd|\$")),
    ("HKD", re.compile(r"港币|港元|hkd")),
    ("EUR", re.compile(r"欧元|eur|€")),
    ("JPY", re.compile(r"日元|jpy|円")),
)
_PUNCT = r"[\s\[\]【】()（）{}<>《》\"'“”‘’·.,，。:：;；/\-_—~*]*"
_EMPTY = re.compile(rf"{_PUNCT}(?:null|none|nan|n/a|暂无|无)?{_PUNCT}")
_PAY_WORDS = re.compile(
    r"薪资|工资|月薪|年薪|日薪|时薪|周薪|底薪|保底|薪酬|待遇|收入|报酬|综合薪资|月入|年收入|年包"
)
_CLAUSE_END = re.compile(r"[。；;！!？?\n，,]")
# Between a pay word and a figure these mean the figure is not the pay itself (per order,
# a raise, an allowance): 平均每单9.5元, 工资上加薪500元, 补贴300元.
_NOT_PAY_BETWEEN = re.compile(r"每单|每件|一单|计件|加薪|涨薪|补贴|补助|津贴|提成|奖金|奖励")


@dataclass(frozen=True, slots=True)
class SalaryParse:
    """One salary notation, read: figures, period, extras, and where they are in the text."""

    text: str
    status: Status
    min: float | None = None
    max: float | None = None
    unit: Unit | None = None
    unit_inferred: bool = False
    months_per_year: int | None = None
    negotiable: bool = False
    base_only: bool = False
    commission: bool = False
    comprehensive: bool = False
    open_ended: Literal["above", "below"] | None = None
    currency: str = "CNY"
    cadence: str | None = None
    start: int = 0
    end: int = 0
    issues: tuple[str, ...] = field(default=())
    reason: str = ""

    def to_monthly(self, value: float | None) -> float | None:
        """A figure of this parse as a monthly amount (day × 21.75, hour × 174, year ÷ N)."""
        if value is None or self.unit is None:
            return None
        if self.unit == "year":
            return value / (self.months_per_year or 12)
        return value * _FACTOR[self.unit]

    @property
    def monthly_min(self) -> float | None:
        """Monthly equivalent of the lower figure."""
        return self.to_monthly(self.min)

    @property
    def monthly_max(self) -> float | None:
        """Monthly equivalent of the upper figure."""
        return self.to_monthly(self.max)

    def evidence(self) -> dict[str, Any]:
        """The parsed values as evidence data (JSON-ready)."""
        out: dict[str, Any] = {
            "text": self.text, "status": self.status, "min": self.min, "max": self.max,
            "unit": self.unit, "currency": self.currency,
        }
        for key in ("unit_inferred", "negotiable", "base_only", "commission", "comprehensive"):
            if getattr(self, key):
                out[key] = True
        for key in ("months_per_year", "open_ended", "cadence", "reason"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.issues:
            out["issues"] = list(self.issues)
        lo, hi = self.monthly_min, self.monthly_max
        if self.currency == "CNY" and (lo is not None or hi is not None):
            out["monthly_min"] = None if lo is None else round(lo, 2)
            out["monthly_max"] = None if hi is None else round(hi, 2)
        return out


def _value(num: str, mult: str | None, inherited: str | None) -> float | None:
    base = number_value(num)
    if base is None:
        return None
    m = mult or inherited
    return base * MULTIPLIERS[m] if m else base


def _candidate(norm: str, m: re.Match[str]) -> bool:
    """Whether an amount match is pay, not a count, a date or months paid."""
    n1, m1, n2, m2 = m.group("n1", "m1", "n2", "m2")
    for num, mult in ((n1, m1), (n2, m2)):
        if num and not num[0].isdigit() and not has_cn_multiplier(num) and not mult:
            after = norm[m.end():m.end() + 1]
            if after not in ("元", "块"):
                return False
    if not (m1 or m2) and _NOT_PAY_AFTER.match(norm, m.end()):
        return False
    before = norm[max(0, m.start() - 2):m.start()].rstrip()
    return not (before.endswith(("·", "×", "*")) and _MONTHS.match(norm, m.start() - 1))


def _find_amount(norm: str, start: int = 0, stop: int | None = None) -> re.Match[str] | None:
    for m in _AMOUNT.finditer(norm, start, len(norm) if stop is None else stop):
        if _candidate(norm, m):
            return m
    return None


def _months_search(norm: str, after: int) -> re.Match[str] | None:
    """`_MONTHS.search(norm, after)`, scanning only up to each 薪 (every match ends at one).

    A match holds exactly one 薪, its last character, so the leftmost match ends at the
    first 薪 that ends any match, and a match ending at a later 薪 starts after an earlier
    one. A match ending at 薪 (offset k) is [mark][spaces](1-3 numerals)[spaces]薪, so it
    starts no earlier than `lo` below, and only a 薪 that `_MONTHS_END` finds can end one:
    searching [lo, k] for each such 薪 in turn finds the same match.
    """
    pos = after
    cand = _MONTHS_END.search(norm, pos)
    while cand is not None:
        k = cand.end() - 1
        j = k
        while j > pos and norm[j - 1].isspace():
            j -= 1
        lo = j - 3
        while lo > pos and norm[lo - 1].isspace():
            lo -= 1
        m = _MONTHS.search(norm, max(pos, lo - 1), k + 1)
        if m is not None:
            return m
        pos = k + 1
        cand = _MONTHS_END.search(norm, pos)
    return None


def _months(norm: str, after: int) -> tuple[int | None, str | None]:
    m = _MONTHS_X.match(norm, after) or _months_search(norm, after)
    if not m:
        return None, None
    value = number_value(m.group("n"))
    if value is None or not 12 <= value <= 24:
        return None, "months_unusual"
    return int(value), None


def parse(text: str) -> SalaryParse:
    """Read one salary notation; never raises, never returns min over max."""
    try:
        return _parse(text or "", normalize(text or ""), 0, len(text or ""))
    except (ValueError, OverflowError, KeyError, IndexError) as exc:  # defensive: stay total
        return SalaryParse(text=text, status="unread", reason=f"{type(exc).__name__}")


def _parse(text: str, norm: str, lo: int, hi: int) -> SalaryParse:
    raw = text[lo:hi]
    window = norm[lo:hi]
    if _EMPTY.fullmatch(window):
        return SalaryParse(text=raw, status="empty", start=lo, end=lo)
    negotiable = bool(_NEGOTIABLE.search(window))
    m = _find_amount(norm, lo, hi)
    if m is None:
        if negotiable:
            return SalaryParse(text=raw, status="negotiable", negotiable=True, start=lo, end=hi)
        return SalaryParse(text=raw, status="unread", reason="未找到金额", start=lo, end=hi)
    n1, m1, n2, m2 = m.group("n1", "m1", "n2", "m2")
    inherit = None
    if n2 and m2 and not m1 and n1[0].isdigit():
        v1, v2 = number_value(n1), number_value(n2)
        if v1 is not None and v2 is not None and (v1 <= v2 or v1 < 100):
            inherit = m2  # 8-12K, 1-1.5万, 12-8K: the multiplier applies to both ends
    a = _value(n1, m1, inherit)
    b = _value(n2, m2, None) if n2 else a
    issues: list[str] = []
    if a is None or b is None:
        return SalaryParse(text=raw, status="unread", reason="数字过大", start=m.start(),
                           end=m.end(), issues=("absurd",))
    pre = norm[lo:m.start()].rstrip()
    if pre.endswith(("-", "负")) and not pre[:-1].rstrip().endswith(tuple("0123456789kw千万")):
        a, b = -a, -b
        issues.append("negative")
    if a > b:
        a, b = b, a
        issues.append("reversed")
    end = m.end()
    suffix = _SUFFIX.match(norm, end, hi)
    qual = unit_word = None
    if suffix:
        qual, unit_word = suffix.group("q"), suffix.group("u")
        end = suffix.end() if suffix.group(0).strip() else end
    mn: float | None = a
    mx: float | None = b
    open_ended: Literal["above", "below"] | None = None
    base_only = bool(_BASE.search(window))
    if qual in ("以下", "以内", "之内"):
        mn, open_ended = None, "below"
    elif qual and not (base_only and qual == "+"):
        mx, open_ended = None, "above"
    unit, inferred = _unit(norm, lo, hi, m, unit_word, b)
    months, months_issue = _months(norm, m.end())
    if months_issue:
        issues.append(months_issue)
    if a == 0 or b == 0:
        issues.append("zero")
    currency = next((c for c, rx in _CURRENCY if rx.search(window)), "CNY")
    cadence = _CADENCE.search(window)
    parsed = SalaryParse(
        text=raw, status="ok", min=mn, max=mx, unit=unit, unit_inferred=inferred,
        months_per_year=months, negotiable=negotiable, base_only=base_only,
        commission=bool(_COMMISSION_WORDS.search(window))
        or (base_only and bool(_COMMISSION.match(norm, m.end(), hi))),
        comprehensive=bool(_COMPREHENSIVE.search(window)), open_ended=open_ended,
        currency=currency, cadence=cadence.group(0) if cadence else None,
        start=m.start(), end=end, issues=tuple(issues),
    )
    if inferred and unit == "month" and not (m1 or m2) and abs(b) < 1000:
        return replace(parsed, status="unread", reason="金额过小且未注明单位（时薪/日薪/月薪？）")
    return parsed


def _unit(
    norm: str, lo: int, hi: int, m: re.Match[str], word: str | None, top: float
) -> tuple[Unit, bool]:
    if word:
        return _UNIT_WORDS[word], False
    before = norm[lo:m.start()]
    for key, unit in _PREFIX_UNITS.items():
        if key in before:
            return unit, False
    tail = _UNIT_TAIL.search(norm[m.end():hi])
    if tail:
        return _UNIT_WORDS[tail.group(1)], False
    if "万" in (m.group("m1") or "", m.group("m2") or "") and top >= 100_000:
        return "year", True  # 15-25万 with no period is a yearly package (猎聘 style)
    return "month", True


def find_pay(text: str) -> list[SalaryParse]:
    """Pay statements in free text (after a pay word such as 月薪/工资/待遇), in order."""
    return list(iter_pay(text))


def iter_pay(text: str, norm: str | None = None) -> Iterator[SalaryParse]:
    """`find_pay` one statement at a time; `norm` is `normalize(text)` when already known."""
    text = text or ""
    norm = normalize(text) if norm is None else norm
    pos = 0
    while True:
        kw = _PAY_WORDS.search(norm, pos)
        if kw is None:
            return
        stop_m = _CLAUSE_END.search(norm, kw.end())
        stop = min(stop_m.start() if stop_m else len(norm), kw.end() + 40)
        # The figure must follow the pay word closely ("月薪8000", "薪资：8-12K").
        first = _find_amount(norm, kw.end(), stop)
        pos = kw.end()
        if first is None or first.start() - kw.end() > 8:
            continue
        if _NOT_PAY_BETWEEN.search(norm, kw.end(), first.start()):
            continue
        got = _parse(text, norm, kw.start(), stop)
        if got.status == "ok" and got.currency == "CNY":
            yield got
            pos = max(pos, got.end)
