"""The salary a posting states: structured figures first, else its `salary.text`, read once.

Shared by the salary checks (not a check itself). Structured `min`/`max` win because the
portal entered them as numbers; the text fills in what they lack (unit, months paid, 面议,
底薪+提成). Parsing is cached per text, so several checks reading one posting parse it once.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Protocol, TypeVar

from verifier.models import Posting, Span
from verifier.text.salary import SalaryParse, Unit, parse

T = TypeVar("T")


class Memo(Protocol):
    """Per-posting memo (the evaluation context's): work built once per posting."""

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """The value under `key`, built on first use."""

TEXT_FIELD = "salary.text"


@lru_cache(maxsize=4096)
def parse_cached(text: str) -> SalaryParse:
    """`parse` with a per-process cache (the parse is pure)."""
    return parse(text)


def text_parse(posting: Posting) -> SalaryParse | None:
    """The parse of the posting's `salary.text`, or None when it has none."""
    if posting.salary is None or posting.salary.text is None:
        return None
    return parse_cached(posting.salary.text)


def stated_salary(posting: Posting, memo: Memo | None = None) -> SalaryParse | None:
    """The salary to judge: structured figures when given, else the text; None when absent.

    With `memo` (the evaluation context), built once per posting and shared by every
    salary check.
    """
    if memo is None:
        return _stated(posting)
    return memo.memo("salary.stated", lambda: _stated(posting))


def _stated(posting: Posting) -> SalaryParse | None:
    sal = posting.salary
    if sal is None:
        return None
    from_text = text_parse(posting)
    if sal.min is None and sal.max is None:
        return from_text
    lo, hi = sal.min, sal.max
    issues: list[str] = []
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
        issues.append("reversed")
    if any(v is not None and v < 0 for v in (lo, hi)):
        issues.append("negative")
    if any(v == 0 for v in (lo, hi)):
        issues.append("zero")
    base = from_text if from_text is not None and from_text.status == "ok" else None
    unit: Unit = sal.unit.value if sal.unit else (base.unit if base and base.unit else "month")
    return SalaryParse(
        text=sal.text or "",
        status="ok",
        min=lo,
        max=hi,
        unit=unit,
        unit_inferred=sal.unit is None and (base is None or base.unit_inferred),
        months_per_year=sal.months_per_year or (base.months_per_year if base else None),
        negotiable=bool(base and base.negotiable),
        base_only=bool(base and base.base_only),
        commission=bool(base and base.commission),
        comprehensive=bool(base and base.comprehensive),
        open_ended="above" if hi is None else ("below" if lo is None else None),
        issues=tuple(issues),
    )


def salary_spans(posting: Posting, parsed: SalaryParse | None) -> list[Span]:
    """The span of the figures in `salary.text`, when the judged salary came from it."""
    sal = posting.salary
    if parsed is None or sal is None or not sal.text or parsed.text != sal.text:
        return []
    start, end = parsed.start, max(parsed.end, parsed.start)
    if end == start:
        start, end = 0, len(sal.text)
    return [Span(field=TEXT_FIELD, start=start, end=end, text=sal.text[start:end])]

