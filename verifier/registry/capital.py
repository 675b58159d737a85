"""Registered capital strings → amount, currency and CNY equivalent.

Real registries write capital every way: `100 万元`, `50万人民币元`, `100.000000万人民币`,
`1,000(万元人民币)`, `8493万美元`, `45 万元 美元`, `8()`. The parser finds the number, the
multiplier (万, 亿, 千) and the currency word (table in `rules/registry/capital.toml`);
non-CNY amounts keep their currency and get an indicative CNY figure from the same file.
A string without a number is not a capital: `parse` returns None, never raises.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from verifier.pack import PackReader, RulePackError

CAPITAL_FILE = "registry/capital.toml"
_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?|\.\d+")
_MULTIPLIERS = {"亿": 100_000_000.0, "万": 10_000.0, "千": 1_000.0}


class CapitalConfig(BaseModel):
    """`rules/registry/capital.toml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    assume_wan_when_unitless: bool = True
    currencies: dict[str, str] = Field(default_factory=lambda: {"人民币": "CNY"})
    rates: dict[str, float] = Field(default_factory=lambda: {"CNY": 1.0})


@dataclass(frozen=True)
class Capital:
    """A parsed registered capital."""

    raw: str
    amount: float
    currency: str
    cny: float | None
    unit_assumed: bool = False


class CapitalParser:
    """Parses capital strings with the loaded currency table."""

    def __init__(self, config: CapitalConfig | None = None) -> None:
        self.config = config or CapitalConfig()
        words = sorted(self.config.currencies, key=len, reverse=True)
        self._currency = re.compile("|".join(re.escape(w) for w in words)) if words else None

    @classmethod
    def load(cls, pack: PackReader, rel: str = CAPITAL_FILE) -> CapitalParser:
        """Read the currency table through the pack reader."""
        return cls(pack.params(rel, CapitalConfig))

    @classmethod
    def from_rules(cls, rules_dir: Path) -> CapitalParser:
        """Load from a rules directory; raise RulePackError on any problem."""
        pack = PackReader(rules_dir)
        got = cls.load(pack)
        if pack.issues:
            raise RulePackError(pack.issues)
        return got

    def parse(self, raw: str | None) -> Capital | None:
        """Parse one capital string; None when it holds no number."""
        if raw is None:
            return None
        text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw))
        m = _NUMBER.search(text)
        if m is None:
            return None
        try:
            value = float(m.group(0).replace(",", ""))
        except ValueError:
            return None
        rest = text[m.end():]
        mult = next((v for k, v in _MULTIPLIERS.items() if k in rest), None)
        assumed = False
        if mult is None:
            has_yuan = "元" in rest or any(w in rest for w in self.config.currencies)
            if has_yuan or not self.config.assume_wan_when_unitless:
                mult = 1.0
            else:
                mult, assumed = 10_000.0, True
        currency = "CNY"
        if self._currency is not None:
            cm = self._currency.search(rest) or self._currency.search(text[: m.start()])
            if cm is not None:
                currency = self.config.currencies[cm.group(0)]
        amount = value * mult
        rate = self.config.rates.get(currency)
        cny = round(amount * rate, 2) if rate is not None else None
        return Capital(raw=raw, amount=amount, currency=currency, cny=cny, unit_assumed=assumed)
