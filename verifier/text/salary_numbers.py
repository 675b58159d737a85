"""Numbers as salary notations write them: Arabic decimals, Chinese numerals, k/千/万 multipliers.

Helpers for `verifier.text.salary`; they work on text already passed through `normalize`
(full-width digits are ASCII by then, Latin letters lower-case).
"""

from __future__ import annotations

import math
import re

CN_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
MULTIPLIERS = {"k": 1000.0, "千": 1000.0, "w": 10000.0, "万": 10000.0, "百": 100.0}

# The longest run of Arabic digits accepted: beyond this a figure is not a salary but noise.
MAX_DIGITS = 12

CN_NUMERAL = r"[零〇一二两三四五六七八九十百千万]+"
ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"


def chinese_to_number(text: str) -> float | None:
    """Value of a Chinese numeral such as 八千, 一万二, 三千五, 十二; None when not one."""
    if not text or not any(ch in CN_DIGITS or ch == "十" for ch in text):
        return None
    total = 0
    section = 0
    num = 0
    last_unit = 1
    for ch in text:
        if ch in CN_DIGITS:
            num = CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            unit = _CN_UNITS[ch]
            section += (num or 1) * unit
            num = 0
            last_unit = unit
        elif ch == "万":
            total += (section + num) * 10000
            section = 0
            num = 0
            last_unit = 10000
        else:
            return None
    if num and last_unit >= 10:
        # Colloquial trailing digit: 一万二 = 12000, 三千五 = 3500.
        num *= last_unit // 10
    return float(total + section + num)


def arabic_to_number(text: str) -> float | None:
    """Value of an Arabic decimal such as 8, 1.5, 12,000; None when too long to be a salary."""
    digits = text.replace(",", "")
    if len(digits.split(".")[0]) > MAX_DIGITS:
        return None
    try:
        value = float(digits)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


_ARABIC_RE = re.compile(ARABIC)


def number_value(token: str) -> float | None:
    """Value of one numeric token, Arabic or Chinese."""
    if _ARABIC_RE.fullmatch(token):
        return arabic_to_number(token)
    return chinese_to_number(token)


def has_cn_multiplier(token: str) -> bool:
    """Whether a Chinese numeral already carries its own magnitude (八千, 一万二)."""
    return any(ch in "百千万" for ch in token)
