"""Synthetic registry generator: realistic Chinese company names, valid codes, any size.

API: `generate(n, seed=0) -> Iterator[dict]` yields `EnterpriseRecord`-shaped dicts (JSON
ready); `write_jsonl(n, path, seed=0) -> int`.

Names are region (a real division: province, city or county, with or without 市/省) +
字号 (2–4 characters drawn from common 字号 characters) + industry word + form; about 1 in 40
gets a former name and 1 in 200 a brand alias. USCCs are 9 + 1/2/3 + a real division code +
an 8-character body with its GB 11714 check + the GB 32100 check character, so every code
validates. Names and codes are unique within one output.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson

from verifier.registry.names import default_name_rules, normalize_name
from verifier.registry.uscc import ALPHABET, default_tables, org_code_check_char, uscc_check_char

# Characters common in real 字号 (frequency-ordered by eye from the registration sample).
_TRADE_CHARS = (
    "华中兴新东明德金宏泰达天鑫嘉盛隆信安恒瑞丰源利康昌福永鸿海祥宇通盈博诚佳旺凯创锦程"
    "和美晨辰光辉腾飞远航益鼎力群众联合众合汇聚百家万通宝顺发荣乐吉祥同仁世纪正大方圆"
    "江河山川林森秀峰云龙凤麟阳升日月星辰晶玉石铭智慧科维拓展翔亿兆优品悦欣怡蓝白青红"
    "绿紫金银铜铁钢恒久润泽晟昊煜炜烨璟琪瑜珺璐瑶婷雅静思远致诺信义礼仁诚毅勤朗卓越"
)
_FORMS = (
    ("有限公司", 70),
    ("有限责任公司", 15),
    ("股份有限公司", 6),
    ("厂", 3),
    ("商行", 2),
    ("合伙企业(有限合伙)", 2),
    ("个人独资企业", 2),
)
_STATUSES = (
    ("存续", "active", 80),
    ("在业", "active", 6),
    ("吊销，未注销", "revoked", 4),
    ("注销", "deregistered", 5),
    ("迁出", "moved_out", 1),
    ("停业", "suspended", 1),
    ("清算", "liquidating", 1),
    ("歇业", "closed_temporarily", 1),
    ("撤销", "cancelled", 1),
)
_ORG = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _org_body(rng: random.Random) -> str:
    body = "".join(rng.choice(_ORG) for _ in range(8))
    return body + org_code_check_char(body)


def _uscc(rng: random.Random, division: str) -> str:
    first = "9" + rng.choice("1111111123") + division + _org_body(rng)
    return first + uscc_check_char(first)


def _weighted(rng: random.Random, items: tuple[tuple[Any, ...], ...]) -> tuple[Any, ...]:
    return rng.choices(items, weights=[i[-1] for i in items])[0]


def generate(n: int, seed: int = 0) -> Iterator[dict[str, Any]]:
    """Yield `n` synthetic records with unique names and valid, unique USCCs."""
    rng = random.Random(seed)
    rules = default_name_rules()
    divisions = [r for r in default_tables().divisions.values() if r.level != "national"]
    industries = sorted(rules.industries)
    names: set[str] = set()
    codes: set[str] = set()
    start = date(1990, 1, 1)
    made = 0
    while made < n:
        div = rng.choice(divisions)
        region = div.name if div.name not in ("市辖区", "县") else ""
        if region and rng.random() < 0.3 and region.endswith(("市", "省")):
            region = region[:-1]
        trade = "".join(rng.choice(_TRADE_CHARS) for _ in range(rng.choice((2, 2, 2, 3, 3, 4))))
        name = region + trade + rng.choice(industries) + _weighted(rng, _FORMS)[0]
        key = normalize_name(name).name_norm
        code = _uscc(rng, div.code)
        if key in names or code in codes:
            continue
        names.add(key)
        codes.add(code)
        raw, status, _ = _weighted(rng, _STATUSES)
        rec: dict[str, Any] = {
            "uscc": code,
            "name": name,
            "status_raw": raw,
            "status": status,
            "established": (start + timedelta(days=rng.randrange(12000))).isoformat(),
            "division_code": div.code,
            "source": "synthetic",
        }
        if rng.random() < 0.025:
            rec["former_names"] = [region + trade + rng.choice(industries) + "有限公司"]
        if rng.random() < 0.005:
            rec["aliases"] = [trade + rng.choice(_TRADE_CHARS)]
        made += 1
        yield rec


def write_jsonl(n: int, path: Path, seed: int = 0) -> int:
    """Write `n` records as JSON lines; returns the count."""
    count = 0
    with path.open("wb") as f:
        for rec in generate(n, seed):
            f.write(orjson.dumps(rec) + b"\n")
            count += 1
    return count


__all__ = ["ALPHABET", "generate", "write_jsonl"]
