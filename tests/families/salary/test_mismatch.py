"""salary.text_mismatch: structured salary vs its own text vs the description."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import load_check, make_facts, make_posting
from verifier.families.salary.mismatch import MismatchCheck


@pytest.fixture(scope="module")
def check() -> MismatchCheck:
    return load_check(MismatchCheck)


DESC = "负责后端开发。"
CASES: list[tuple[dict[str, Any], str, str | None, str | None]] = [
    ({"text": "8-12K", "min": 8000, "max": 12000, "unit": "month"}, DESC, None, None),
    ({"text": "8-12K", "min": 3000, "max": 4000, "unit": "month"}, DESC, "salary.text", "8-12K"),
    ({"text": "8-12K"}, DESC + "薪资：8000-12000元/月。", None, None),
    ({"text": "8-12K"}, DESC + "月薪1万左右。", None, None),
    # a base is a floor (commission comes on top): only a base above the range disagrees
    ({"text": "8-12K"}, DESC + "底薪2000+提成。", None, None),
    ({"text": "8-12K"}, DESC + "底薪25000+提成。", "description", "25000+"),
    ({"text": "8-12K"}, DESC + "薪资待遇：平均每单9.5元，加薪500元。", None, None),
    ({"text": "8-12K"}, DESC + "待遇：月薪3000元，五险一金。", "description", "3000元"),
    ({"text": "20-30万/年"}, DESC + "月薪2万。", None, None),
    ({"text": "300元/天"}, DESC + "日薪100元。", "description", "100元"),
    ({"text": "面议"}, DESC + "月薪3000元。", None, None),
    ({"text": "8-12K"}, "公司成立于2010年，员工300人，年营业额2亿元。", None, None),
]


@pytest.mark.parametrize(("salary", "description", "field", "span"), CASES)
def test_mismatch(check: MismatchCheck, salary: dict[str, Any], description: str,
                  field: str | None, span: str | None) -> None:
    posting = make_posting(salary=salary, description=description)
    found = check.check(make_facts(posting))
    if field is None:
        assert found == []
        return
    assert [f.rule for f in found] == ["salary.text_mismatch"]
    data = found[0].evidence.data
    assert data["other_field"] == field and data["threshold"] == 0.25
    assert "stated" in data and "other" in data
    spans = [s for s in found[0].evidence.spans if s.field == field]
    assert spans and spans[-1].text == span
    source = description if field == "description" else salary["text"]
    assert source[spans[-1].start:spans[-1].end] == span
