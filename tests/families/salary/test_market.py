"""salary.implausible_high: graduate bands, intern day rates, income promises."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.factories import load_check, make_facts, make_posting, refused
from verifier.families.salary.market import MarketCheck
from verifier.models import Finding


@pytest.fixture(scope="module")
def check() -> MarketCheck:
    return load_check(MarketCheck)


def _run(check: MarketCheck, **kw: Any) -> list[Finding]:
    posting = make_posting(**kw)
    return check.check(make_facts(posting))


GRAD = {"experience": "应届毕业生"}
CASES: list[tuple[dict[str, Any], float | None]] = [
    # 本科 in 深圳 (tier 1): flag above 30k, 50k for specialist titles
    ({**GRAD, "salary": {"text": "15-25K"}}, None),
    ({**GRAD, "salary": {"text": "40-60K"}}, 30000),
    ({**GRAD, "salary": {"text": "35-45K"}, "title": "算法工程师"}, None),
    ({**GRAD, "salary": {"text": "60-80K"}, "title": "算法工程师"}, 50000),
    ({**GRAD, "salary": {"text": "50-60万/年"}}, 30000),  # yearly ÷ 12 = 50k/month
    # 大专 in a tier-3 city: 18k
    ({**GRAD, "education": "大专", "location": {"province": "河南", "city": "洛阳"},
      "salary": {"text": "15-20K"}}, 18000),
    # not entry level: no band applies
    ({"experience": "5-10年", "salary": {"text": "40-60K"}}, None),
    ({"channel": "campus", "salary": {"text": "40-60K"}}, 30000),
    # interns: day rates
    ({"employment_type": "internship", "title": "数据录入实习生", "salary": {"text": "600元/天"}},
     500),
    ({"employment_type": "internship", "title": "数据录入实习生", "salary": {"text": "300元/天"}},
     None),
    ({"employment_type": "internship", "title": "研发实习生", "salary": {"text": "600元/天"}},
     None),
    ({"employment_type": "internship", "title": "研发实习生", "salary": {"text": "2000元/天"}},
     1500),
    ({"employment_type": "internship", "title": "客服实习生", "salary": {"text": "150元/时"}}, 100),
]


@pytest.mark.parametrize(("kw", "threshold"), CASES)
def test_bands(check: MarketCheck, kw: dict[str, Any], threshold: float | None) -> None:
    found = _run(check, **kw)
    if threshold is None:
        assert found == []
        return
    assert [f.rule for f in found] == ["salary.implausible_high"]
    data = found[0].evidence.data
    assert data["threshold"] == threshold
    assert data["value"] > threshold and "table_row" in data and "parsed" in data


@pytest.mark.parametrize(
    ("title", "description", "education", "fires", "span"),
    [("打字员", "在家兼职，月入过万不是梦", None, True, "月入过万"),
     ("数据录入", "轻松日入过千", "本科", True, "日入过千"),
     ("Java开发工程师", "优秀者月入过万", "本科", False, None),
     ("普工", "包吃住，月入上万", "不限", True, "月入上万"),
     ("仓库管理员", "工作稳定", None, False, None)],
)
def test_income_promises(check: MarketCheck, title: str, description: str,
                         education: str | None, fires: bool, span: str | None) -> None:
    kw: dict[str, Any] = {"title": title, "description": description}
    kw["education"] = education
    found = _run(check, **kw)
    assert bool(found) is fires
    if span:
        assert found[0].evidence.spans[0].text == span
        assert found[0].evidence.spans[0].field == "description"


def test_municipality_without_city_uses_its_own_tier(check: MarketCheck) -> None:
    kw: dict[str, Any] = {**GRAD, "education": "不限", "salary": {"text": "12-18K"}}
    assert _run(check, location={"province": "北京市"}, **kw) == []  # tier 1: ceiling 20k
    found = _run(check, location={"province": "河南省"}, **kw)  # unknown city: tier 3, 15k
    assert found and found[0].evidence.data["threshold"] == 15000


@pytest.mark.parametrize(
    ("kw", "message"),
    [({**GRAD, "salary": {"text": "40-60K"}},
      "入门级本科岗位月薪折算60000元，远高于深圳城市层级1的合理上限30000元。"),
     ({**GRAD, "salary": {"text": "40-60K"}, "location": None},
      "入门级本科岗位月薪折算60000元，远高于该城市层级3的合理上限25000元。"),
     ({"experience": "5-10年", "title": "保安", "salary": {"text": "30-60K"}, "location": None},
      "普工类岗位月薪折算60000元，远高于该城市层级3同类岗位的合理上限10000元。")],
)
def test_a_posting_with_no_city_says_so_in_the_packs_words(
        check: MarketCheck, kw: dict[str, Any], message: str) -> None:
    (found,) = _run(check, **kw)
    assert found.message == message


def test_an_occupation_without_its_name_is_refused_with_its_line(tmp_path: Path) -> None:
    """What a message calls the occupation is the pack's: a row without it does not load."""
    issues = refused(MarketCheck, tmp_path / "rules", "salary/occupation_bands.csv",
                     "clerical,文员,", "clerical,,")
    text = (tmp_path / "rules" / "salary" / "occupation_bands.csv").read_text(encoding="utf-8")
    at = next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith("clerical,"))
    assert [(i.file, i.line) for i in issues if i.message.startswith("name:")] == [
        ("salary/occupation_bands.csv", at)], issues
