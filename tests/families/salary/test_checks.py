"""salary.unparsed / invalid_range / negotiable / bait_range over notation and fields."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.factories import RULES, declared, load_check, make_facts, make_posting, refused
from verifier.families.salary.checks import SalaryCheck
from verifier.models import Finding
from verifier.pack import PackReader


@pytest.fixture(scope="module")
def check() -> SalaryCheck:
    return load_check(SalaryCheck)


def _run(check: SalaryCheck, salary: dict[str, Any] | None) -> list[Finding]:
    posting = make_posting(salary=salary) if salary is not None else make_posting(salary=None)
    return check.check(make_facts(posting))


CASES: list[tuple[dict[str, Any] | None, list[str], str | None]] = [
    ({"text": "8-12K·13薪"}, [], None),
    ({"text": "1-1.5万/月"}, [], None),
    ({"text": "面议"}, ["salary.negotiable"], "面议"),
    ({"text": "薪资面议"}, ["salary.negotiable"], "薪资面议"),
    ({"text": ""}, ["salary.negotiable"], None),
    (None, ["salary.negotiable"], None),
    ({"text": "工资高待遇好"}, ["salary.unparsed"], "工资高待遇好"),
    ({"text": "😀🔥"}, ["salary.unparsed"], "😀🔥"),
    ({"text": "12-8K"}, ["salary.invalid_range"], "12-8K"),
    ({"text": "0元/月"}, ["salary.invalid_range"], "0元/月"),
    ({"text": "-3000"}, ["salary.invalid_range"], "3000"),
    ({"text": "99999999999999999999999K"}, ["salary.invalid_range"], None),
    ({"text": "200万/月"}, ["salary.invalid_range"], "200万/月"),
    ({"text": "1元/月"}, ["salary.invalid_range"], "1元/月"),
    ({"min": 12000, "max": 8000, "unit": "month"}, ["salary.invalid_range"], None),
    ({"min": -5, "max": 8000, "unit": "month"}, ["salary.invalid_range"], None),
    ({"text": "5-30K"}, ["salary.bait_range"], "5-30K"),
    ({"text": "3000-8000元/月"}, ["salary.bait_range"], "3000-8000元/月"),
    ({"text": "3000-7500元/月"}, [], None),  # ratio 2.5 is not over the threshold
    ({"text": "底薪3000+提成"}, [], None),
]


@pytest.mark.parametrize(("salary", "rules", "span_text"), CASES)
def test_rules(check: SalaryCheck, salary: dict[str, Any] | None, rules: list[str],
               span_text: str | None) -> None:
    found = _run(check, salary)
    assert [f.rule for f in found] == rules
    for f in found:
        assert f.message and "parsed" in f.evidence.data
    if span_text is not None:
        assert found[0].evidence.spans[0].text == span_text
        assert found[0].evidence.spans[0].field == "salary.text"


def test_bait_range_evidence(check: SalaryCheck) -> None:
    f = _run(check, {"text": "5-30K"})[0]
    assert f.evidence.data["ratio"] == 6.0 and f.evidence.data["threshold"] == 2.5
    assert f.evidence.data["parsed"]["min"] == 5000


def test_negotiable_cites_the_law_and_is_configurable(check: SalaryCheck) -> None:
    params = check.params.model_copy(update={"negotiable_required_from": date(2030, 1, 1),
                                             "flag_missing": False})
    lenient = declared(SalaryCheck(params))
    posting = make_posting(salary={"text": "面议"})
    (found,) = lenient.check(make_facts(posting))
    assert found.severity == "info" and "第二十四条" in found.evidence.data["legal_basis"]
    assert found.message == "薪资为“面议”，未写明基本劳动报酬。"
    later = make_facts(posting, datetime(2030, 1, 1, tzinfo=UTC))
    assert [f.severity for f in lenient.check(later)] == ["flag"]
    bare = make_posting(salary=None)
    assert lenient.check(make_facts(bare)) == []


def test_invalid_range_names_problems(check: SalaryCheck) -> None:
    f = _run(check, {"text": "200万/月"})[0]
    assert f.evidence.data["problems"] == ["absurd_high"]
    assert f.evidence.data["thresholds"]["absurd_monthly_max"] == 1_000_000


@pytest.mark.parametrize(
    ("salary", "fires"),
    [
        ({"text": "底薪5000+提成", "min": 5000.0, "max": 15000.0, "unit": "month"}, False),
        ({"text": "底薪3000+提成", "min": 3000.0, "max": 15000.0, "unit": "month"}, True),
        ({"text": "5000-15000元/月", "min": 5000.0, "max": 15000.0, "unit": "month"}, True),
    ],
)
def test_bait_range_allows_wider_commission_ranges(salary: dict[str, Any], fires: bool) -> None:
    """Base + commission: the top is variable pay, so the ratio allowed is wider (4 vs 2.5)."""
    check = SalaryCheck.load(PackReader(RULES))
    p = make_posting(salary=salary)
    rules = [f.rule for f in check.check(make_facts(p))]
    assert ("salary.bait_range" in rules) is fires


@pytest.mark.parametrize(
    ("old", "new", "line", "says"),
    [('zero = "金额为零"\n', "", "[problems]", "problems.zero: Field required"),
     ('zero = "金额为零"', 'zero = "金额为零"\nempty = "空"', 'empty = "空"',
      "problems.empty: Extra inputs"),
     ("[problems]", "[words]", "[words]", "words: Extra inputs")],
)
def test_problem_words_are_required_in_the_pack(tmp_path: Path, old: str, new: str, line: str,
                                                says: str) -> None:
    """Every word `salary.invalid_range` shows is the pack's: one missing or unknown is refused
    at load, with file and line."""
    issues = refused(SalaryCheck, tmp_path / "rules", "salary/salary.toml", old, new)
    text = (tmp_path / "rules" / "salary" / "salary.toml").read_text(encoding="utf-8")
    at = text.splitlines().index(line) + 1
    assert [(i.file, i.line) for i in issues if says in i.message] == [("salary/salary.toml", at)]
