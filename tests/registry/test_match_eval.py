"""Labelled name-matching evaluation: abstentions are counted apart from hits and misses.

Names: real registrations from Enterprise-Registration-Data-of-Chinese-Mainland (Wen Liu,
CC BY-NC-SA 4.0) as used in test_importer.py, plus two synthetic 自来水公司 records.
"""

from __future__ import annotations

import opencc

from verifier.registry.match_eval import diff_variants, evaluate, same_variants

NAMES = [
    "吉林华翰印务有限公司", "绵阳市驰衡小汽车修理有限公司", "自贡市自流井区农团木制品厂",
    "常州市伟程化纤设备有限公司", "安岳县自来水公司", "忻州市自来水公司",
]  # fmt: skip


def test_variants_of_a_name() -> None:
    out = same_variants("绵阳市驰衡小汽车修理有限公司", opencc.OpenCC("s2t"))
    assert out["region_dropped"] == "驰衡小汽车修理有限公司"
    assert out["form"] == "绵阳市驰衡小汽车修理有限责任公司"
    assert out["branch"].endswith("上海分公司")
    import random

    diff = diff_variants(
        "绵阳市驰衡小汽车修理有限公司",
        random.Random(0),
        ["北京", "上海", "广州", "深圳", "天津", "重庆"],
    )
    assert "驰衡" in diff["other_city"] and not diff["other_city"].startswith("绵阳")


def test_abstentions_are_neither_hits_nor_false_matches() -> None:
    res = evaluate(NAMES, sample=len(NAMES), seed=0)
    assert res.same_abstain["region_dropped"] == 2  # 自来水公司 names two companies
    answered = sum(res.same.values()) - sum(res.same_abstain.values())
    assert res.recall == sum(res.same_hit.values()) / answered
    assert res.recall_all == sum(res.same_hit.values()) / sum(res.same.values())
    assert res.recall_all < res.recall == 1.0
    assert res.same_abstain_rate == 2 / sum(res.same.values())
    assert res.false_rate == 0.0 and sum(res.diff.values()) > 0
