"""salary.below_min_wage: the standard in force on the posting's date, tiers, confidence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.factories import load_check, make_facts, make_posting, refused
from verifier.families.salary.min_wage import MinWageCheck
from verifier.pack import PackReader


@pytest.fixture(scope="module")
def check() -> MinWageCheck:
    return load_check(MinWageCheck)


def _run(check: MinWageCheck, day: str, **kw: Any) -> list[Any]:
    posting = make_posting(submitted_at=f"{day}T10:00:00+08:00", **kw)
    return check.check(make_facts(posting))


def _loc(province: str, city: str | None = None) -> dict[str, Any]:
    return {"province": province, "city": city} if city else {"province": province}


# (day, location, salary text, employment, expected severity or None, threshold, row date)
CASES = [
    # 云南 changed 2022-10-01 (1670/1500/1350 low confidence → 1900/1750/1600 high)
    ("2022-09-30", _loc("云南省", "昆明市"), "1500元/月", "full_time", "flag", 1670, "2018-05-01"),
    ("2022-10-01", _loc("云南省", "昆明市"), "1500元/月", "full_time", "reject",
     1600, "2022-10-01"),
    ("2022-09-30", _loc("云南", "昆明"), "1300元/月", "full_time", "flag", 1350, "2018-05-01"),
    # 北京 2320 → 2420 on 2023-09-01
    ("2023-08-31", _loc("北京市"), "2400-3000", "full_time", None, None, None),
    ("2023-09-01", _loc("北京市"), "2400-3000", "full_time", "reject",
     2420, "2023-09-01"),
    # 上海 2690 (2023-07-01) → 2740 in the 2025-07-01 table
    ("2025-06-30", _loc("上海"), "2700-3500", "full_time", None, None, None),
    ("2025-07-01", _loc("上海"), "2700-3500", "full_time", "reject",
     2740, "2025-07-01"),
    # 深圳 has its own standard; 广东省 / 深圳市 spellings
    ("2022-04-15", _loc("广东省", "深圳市"), "2300-2800", "full_time", "reject",
     2360, "2022-01-01"),
    ("2022-04-15", _loc("广东", "广州"), "2300-2800", "full_time", None, None, None),
    ("2022-04-15", _loc("广东", "广州"), "2200-2800", "full_time", "reject",
     2300, "2021-12-01"),
    # unknown city: lowest tier (1620) rejects, highest (2300) flags
    ("2022-04-15", _loc("广东"), "2000-2800", "full_time", "flag", 2300, "2021-12-01"),
    ("2022-04-15", _loc("广东"), "1600-2800", "full_time", "reject",
     1620, "2021-12-01"),
    # recalled city tier (惠州 = 3, 1720): reject only under the lowest tier
    ("2022-04-15", _loc("广东", "惠州"), "1700-2800", "full_time", "flag", 1720, "2021-12-01"),
    # 福建 before its 2022-04-01 standard: nothing tabulated, no judgement
    ("2022-03-15", _loc("福建"), "1000元/月", "full_time", None, None, None),
    ("2022-04-01", _loc("福建"), "1000元/月", "full_time", "reject",
     1660, "2022-04-01"),
    # day and hour pay as monthly equivalents; base pay of 底薪+提成
    ("2022-04-15", _loc("广东", "深圳"), "100元/天", "full_time", "reject",
     2360, "2022-01-01"),
    ("2022-04-15", _loc("广东", "深圳"), "底薪1500+提成", "full_time", "reject",
     2360, "2022-01-01"),
    ("2022-04-15", _loc("广东", "深圳"), "8-12K", "full_time", None, None, None),
    # part-time: the hourly minimum, hourly pay only
    ("2022-04-15", _loc("北京"), "20元/时", "part_time", "reject", 25.3, "2021-08-01"),
    ("2022-04-15", _loc("北京"), "26元/时", "part_time", None, None, None),
    ("2022-04-15", _loc("北京"), "1000元/月", "part_time", None, None, None),
    # 河北 hourly minima are recalled: degraded to flag
    ("2022-04-15", _loc("河北省", "石家庄"), "15元/时", "part_time", "flag", 16, "2019-11-01"),
    # interns: flag, not reject
    ("2022-04-15", _loc("广东", "深圳"), "1000元/月", "internship", "flag", 2360, "2022-01-01"),
]


@pytest.mark.parametrize(("day", "loc", "text", "emp", "severity", "threshold", "row_date"), CASES)
def test_below_min_wage(
    check: MinWageCheck, day: str, loc: dict[str, Any], text: str, emp: str,
    severity: str | None, threshold: float | None, row_date: str | None,
) -> None:
    found = _run(check, day, location=loc, salary={"text": text}, employment_type=emp)
    if severity is None:
        assert found == []
        return
    assert [f.rule for f in found] == ["salary.below_min_wage"]
    f = found[0]
    assert f.severity == severity
    data = f.evidence.data
    assert data["threshold"] == threshold
    assert data["table_row"]["effective_date"] == row_date
    assert data["judged_on"] == day
    assert {"region", "tier", "monthly", "confidence", "file"} <= set(data["table_row"])
    assert data["parsed"]["text"] == text
    assert f.evidence.spans and f.evidence.spans[0].field == "salary.text"


def test_degraded_findings_say_why(check: MinWageCheck) -> None:
    low = _run(check, "2022-09-30", location=_loc("云南", "昆明"), salary={"text": "1300元/月"})
    assert low[0].evidence.data["table_row"]["confidence"] == "low"
    assert "未经核实" in low[0].evidence.data["degraded"][0]
    intern = _run(check, "2022-04-15", location=_loc("广东", "深圳"),
                  salary={"text": "1000元/月"}, employment_type="internship")
    assert "实习" in intern[0].evidence.data["degraded"][0]


WEAK = 'weak_data = "最低工资数据{confidence}（未经核实），降为人工审核"'
LOW = 'low = "可信度低"'
INTERN = 'intern = "实习生不构成劳动关系，低于最低工资仅提示"'


@pytest.mark.parametrize(
    ("old", "new", "line", "says"),
    [(INTERN + "\n", "", "[degraded]", "degraded.intern: Field required"),
     (WEAK, 'weak_data = "数据{value}未经核实"', 'weak_data = "数据{value}未经核实"',
      "{value}: the check fills {confidence}"),
     (INTERN, 'intern = "实习{confidence:>4}"', 'intern = "实习{confidence:>4}"',
      "{confidence:>4}: the check fills no placeholder")],
)
def test_degraded_reasons_are_required_in_the_pack(tmp_path: Path, old: str, new: str,
                                                    line: str, says: str) -> None:
    """A reason missing, or filled with a value the check does not give, is refused at load
    with file and line, not when a posting first needs it."""
    issues = refused(MinWageCheck, tmp_path / "rules", "salary/min_wage.toml", old, new)
    text = (tmp_path / "rules" / "salary" / "min_wage.toml").read_text(encoding="utf-8")
    at = text.splitlines().index(line) + 1
    assert [(i.file, i.line) for i in issues if says in i.message] == [
        ("salary/min_wage.toml", at)], issues


def test_degraded_reasons_are_worded_by_the_pack(tmp_path: Path) -> None:
    assert refused(MinWageCheck, tmp_path / "rules", "salary/min_wage.toml", WEAK,
                   'weak_data = "数据可信度：{confidence}"') == []
    check = MinWageCheck.load(PackReader(tmp_path / "rules"))
    (low,) = _run(check, "2022-09-30", location=_loc("云南", "昆明"), salary={"text": "1300元/月"})
    assert low.message.endswith("（2018-05-01起执行）。数据可信度：可信度低")
    assert low.evidence.data["degraded"] == ["数据可信度：可信度低"]
    assert low.evidence.data["table_row"]["confidence"] == "low"  # the label itself


def test_the_confidence_words_are_the_packs(tmp_path: Path) -> None:
    """The message says a weak wage row in [confidence]'s words; a missing word is refused
    at load with file and line."""
    assert refused(MinWageCheck, tmp_path / "rules", "salary/min_wage.toml", LOW,
                   'low = "未经确认"') == []
    check = MinWageCheck.load(PackReader(tmp_path / "rules"))
    (low,) = _run(check, "2022-09-30", location=_loc("云南", "昆明"), salary={"text": "1300元/月"})
    assert "最低工资数据未经确认（未经核实）" in low.message
    issues = refused(MinWageCheck, tmp_path / "other", "salary/min_wage.toml", LOW + "\n", "")
    text = (tmp_path / "other" / "salary" / "min_wage.toml").read_text(encoding="utf-8")
    at = text.splitlines().index("[confidence]") + 1
    assert [(i.file, i.line) for i in issues if "confidence.low: Field required" in i.message] \
        == [("salary/min_wage.toml", at)], issues


def test_unknown_city_basis_is_stated(check: MinWageCheck) -> None:
    found = _run(check, "2022-04-15", location=_loc("广东"), salary={"text": "2000-2800"})
    assert "城市未知" in found[0].evidence.data["tier_basis"]


def test_structured_figures_are_judged(check: MinWageCheck) -> None:
    found = _run(check, "2022-04-15", location=_loc("广东", "深圳"),
                 salary={"min": 1800, "max": 2500, "unit": "month"})
    assert found[0].severity == "reject" and found[0].evidence.data["value"] == 1800


@pytest.mark.parametrize("salary", [{"text": "面议"}, {"text": "abc"}, {"text": "-3000"},
                                    {"text": "3000美元/月"}])
def test_nothing_to_judge(check: MinWageCheck, salary: dict[str, Any]) -> None:
    assert _run(check, "2022-04-15", salary=salary) == []
