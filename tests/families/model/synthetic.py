"""Small synthetic labelled postings for the model tests (written here, never read from
../shared): honest and fraudulent employers, each with its own brand phrase, fakes leaning
on hype and urgency cues."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import orjson

HONEST_DUTIES = [
    "负责仓库货物的入库、出库和盘点，按单据核对数量，保持库区整洁。",
    "负责门店顾客接待与商品陈列，完成每日销售报表，配合店长做好库存管理。",
    "负责公司网站前端页面开发，参与需求评审，编写单元测试并修复缺陷。",
    "负责财务凭证录入、发票整理和月末对账，协助编制财务报表。",
    "负责生产线设备的日常点检与保养，记录运行数据，发现异常及时上报。",
]
FAKE_LINES = [
    "急招！包吃住，无需经验，月入过万，日赚500元，不甘平庸的你来改变命运。",
    "轻松月入上万，躺赚不是梦，宝妈学生党均可，急聘，当天结算。",
    "急需多名，零基础可做，高额回报，稳赚不赔，工资日结。",
]
TITLES = ["仓管员", "店员", "前端开发工程师", "会计", "设备维修工"]


def posting(i: int, employer: int, fake: bool, rng: random.Random) -> dict[str, Any]:
    """One posting of an employer; fakes carry fraud cues, every posting its brand."""
    brand = f"品牌{employer:03d}号"
    duties = rng.choice(HONEST_DUTIES)
    body = f"{brand}诚邀加入。{duties}" + (rng.choice(FAKE_LINES) if fake else
                                          "五险一金，周末双休，试用期三个月。")
    return {
        "posting_id": f"syn-{employer}-{i}",
        "title": rng.choice(TITLES),
        "description": body,
        "enterprise": {"name": f"测试{employer:03d}科技有限公司"},
        "location": {"province": "上海", "city": "上海"},
        "salary": {"text": "5000-8000元/月"},
        "headcount": rng.choice([1, 2, 5, 30]),
        "company_profile": f"测试{employer:03d}科技成立于2010年，专注于企业服务。",
        "submitted_at": "2022-04-15T10:00:00+08:00",
    }


def write(tmp: Path, employers: int = 24, per: int = 6, seed: int = 7) -> list[Path]:
    """Two files: a corpus-format JSONL and a reviewer-export JSONL (posting + outcome)."""
    rng = random.Random(seed)
    corpus, export = tmp / "labels.jsonl", tmp / "review.jsonl"
    with corpus.open("wb") as a, export.open("wb") as b:
        for e in range(employers):
            bad = e % 3 == 0
            for i in range(per):
                fake = bad and i % 3 != 0
                p = posting(i, e, fake, rng)
                if e % 2:
                    b.write(orjson.dumps({"posting": p, "outcome": "reject" if fake else
                                          "approve", "reason": "test"}) + b"\n")
                else:
                    label = {"outcome": "not_approve" if fake else "approve",
                             "category": "fake" if fake else "legit"}
                    a.write(orjson.dumps({"posting": p, "label": label}) + b"\n")
    return [corpus, export]
