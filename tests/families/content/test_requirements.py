"""content.requirements_implausible: education/experience vs the occupation and the channel."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import load_check, make_facts, make_posting
from verifier.families.content.requirements import RequirementsCheck

PERKS = "公司环境好，团队氛围融洽，五险一金，周末双休，节日福利，带薪年假，欢迎加入我们。"


@pytest.fixture(scope="module")
def check() -> RequirementsCheck:
    return load_check(RequirementsCheck)


CASES: list[tuple[dict[str, Any], int | None]] = [
    # overrides, expected score (None: no finding)
    ({"title": "软件工程师", "education": "学历不限", "experience": "经验不限"}, 20),
    ({"title": "医生", "education": "不限", "experience": "经验不限,可接收应届生"}, 30),
    ({"title": "货运司机", "education": "学历不限", "experience": "无经验"}, 30),
    ({"title": "软件工程师", "education": "本科", "experience": "经验不限"}, None),
    ({"title": "软件工程师", "education": "学历不限", "experience": "3-5年"}, None),
    ({"title": "服务员", "education": "学历不限", "experience": "经验不限"}, None),  # unskilled
    ({"title": "储备干部", "education": "学历不限", "experience": "经验不限"}, None),  # no family
    ({"title": "货运司机", "education": "学历不限", "experience": "经验不限",
      "description": "需持C1及以上驾照，驾龄两年，熟悉本市道路，负责公司货物配送。"}, None),
    ({"title": "软件工程师", "education": None, "experience": None}, None),  # not stated
    ({"channel": "campus", "experience": "3-5年"}, 20),
    ({"channel": "campus", "experience": "1年以上"}, None),
    ({"channel": "campus", "experience": "应届毕业生"}, None),
    ({"channel": "campus", "experience": "３-５年"}, 20),  # normalized: full-width digits read
    # Arabic digits only here (the campaign family's parser also reads Chinese numerals).
    ({"channel": "campus", "experience": "三年以上"}, None),
    ({"channel": "social", "experience": "5-10年"}, None),
]


@pytest.mark.parametrize(("overrides", "score"), CASES)
def test_requirements(check: RequirementsCheck, overrides: dict[str, Any],
                      score: int | None) -> None:
    data = {"description": PERKS, **overrides}
    p = make_posting(**{k: v for k, v in data.items() if v is not None},
                     **{k: None for k, v in data.items() if v is None})
    found = check.check(make_facts(p))
    assert [f.score for f in found] == ([] if score is None else [score])
    for f in found:
        assert f.rule == "content.requirements_implausible"
        for s in f.evidence.spans:
            value = p.title if s.field == "title" else getattr(p, s.field)
            assert value[s.start:s.end] == s.text


def test_licensed_evidence_names_the_licence(check: RequirementsCheck) -> None:
    p = make_posting(title="医生", education="学历不限", experience="经验不限", description=PERKS)
    (f,) = check.check(make_facts(p))
    assert f.evidence.data["licensed"] is True
    assert "执业医师" in f.evidence.data["licence"]
    assert "执业医师" in f.message
