"""Issue 14 causes 1, 2 and 6: pay items like with like, occupation bands, 面议 by date."""

from __future__ import annotations

from typing import Any

import pytest

from tests.precision.conftest import Decide, decisive, rules
from verifier.models import Outcome

MONTH = {"text": "5000-7000元/月", "min": 5000, "max": 7000, "unit": "month"}
BJ = {"province": "北京", "city": "北京"}


@pytest.mark.parametrize("body", [
    "薪资构成：基本工资3500元，绩效工资1500元，全勤奖200元，加班另计。",
    "底薪3000+提成，综合工资5000-7000元。",
    "培训期间培训工资50元/天，转正后按岗位定薪；每周可借支200-300元/周。",
    "晋升主管后月均工资1.5万，经理年薪30万以上。",
    "新人平均月收入6000元，老员工月收入可达12000元。",
    "月薪5000-7000元，13薪，另有年终奖。",
    "时薪25元，加班费按国家规定计算，月综合收入约6000元。",
])
async def test_several_pay_items_do_not_contradict_the_structured_pay(
        decide: Decide, body: str) -> None:
    """Components, advances, training pay and what managers earn are other items."""
    ev = await decide(title="仓储专员", description=f"负责仓库收发货和库存盘点。{body}",
                      salary=MONTH, location=BJ, experience="1-3年", education="高中")
    assert "salary.text_mismatch" not in rules(ev)
    assert ev.outcome == Outcome.approve, decisive(ev)


@pytest.mark.parametrize("body", [
    "月薪2000-2500元，做六休一。",          # the main figure contradicts 5000-7000
    "薪资待遇：底薪12000元起。",             # a component above the whole
])
async def test_a_real_contradiction_still_holds(decide: Decide, body: str) -> None:
    """The text's main figure (or a base above the whole) contradicting 5000-7000 flags."""
    ev = await decide(title="仓储专员", description=f"负责仓库收发货和库存盘点。{body}",
                      salary=MONTH, location=BJ, experience="1-3年", education="高中")
    assert "salary.text_mismatch" in decisive(ev)


CASES: list[tuple[str, dict[str, Any], str, bool]] = [
    # occupation, salary, description, held?
    ("外卖骑手", {"text": "8000-12000元/月", "min": 8000, "max": 12000, "unit": "month"},
     "按单计酬，多劳多得，月入过万的骑手很多，公司提供电动车。", False),
    ("房产经纪人", {"text": "6000-25000元/月", "min": 6000, "max": 25000, "unit": "month"},
     "底薪4000+提成，老员工月入过万，带薪培训。", False),
    ("货运司机", {"text": "9000-14000元/月", "min": 9000, "max": 14000, "unit": "month"},
     "驾驶4.2米厢式货车，市内配送，C1以上驾照。", False),
    ("行政助理", {"text": "80000-100000元/月", "min": 80000, "max": 100000, "unit": "month"},
     "负责文件整理、会议安排和办公用品采购。", True),
    ("外卖骑手", {"text": "30000-50000元/月", "min": 30000, "max": 50000, "unit": "month"},
     "按单计酬，公司提供电动车。", True),
]


@pytest.mark.parametrize(("title", "salary", "body", "held"), CASES)
async def test_occupation_bands_decide_both_ways(
        decide: Decide, title: str, salary: dict[str, Any], body: str, held: bool) -> None:
    """Normal pay for the occupation passes; far above it holds (no experience stated)."""
    ev = await decide(title=title, description=body, salary=salary, location=BJ,
                      education="不限")
    assert ("salary.implausible_high" in decisive(ev)) is held, decisive(ev)


async def test_empty_experience_counts_as_entry_level(decide: Decide) -> None:
    """A graduate band applies when the experience field is missing (本科 tier 1: 30k)."""
    pay = {"text": "40-60K", "min": 40000, "max": 60000, "unit": "month"}
    ev = await decide(title="市场推广", description="负责线上推广活动的策划和执行。",
                      salary=pay, location=BJ)
    assert "salary.implausible_high" in decisive(ev)
    ok = await decide(title="市场推广", description="负责线上推广活动的策划和执行。",
                      salary=pay, location=BJ, experience="5-10年")
    assert "salary.implausible_high" not in decisive(ok)


async def test_income_promise_for_an_unskilled_desk_job_holds(decide: Decide) -> None:
    """月入过万 for typing work, or with 无需经验 in the sentence, is still a lure."""
    ev = await decide(title="网络打字员", description="在家打字，月入过万。",
                      salary=MONTH, location=BJ, education="不限")
    assert ev.outcome != Outcome.approve
    lure = await decide(title="客户专员", description="本岗位无需经验，不限学历，轻松月入过万。",
                        salary=MONTH, location=BJ)
    assert lure.outcome == Outcome.reject
    assert "keywords.high_pay_lure.promise" in decisive(lure)


@pytest.mark.parametrize(("submitted", "held"), [
    ("2022-05-10T10:00:00+08:00", False), ("2026-02-01T10:00:00+08:00", True)])
async def test_negotiable_pay_is_a_hold_only_once_pay_is_required(
        decide: Decide, submitted: str, held: bool) -> None:
    """面议 is info before the 2026-01-13 notice, a flag from then on."""
    ev = await decide(salary={"text": "面议"}, submitted_at=submitted)
    found = {f.rule: f for f in ev.findings}["salary.negotiable"]
    assert (found.severity == "flag") is held
    assert found.evidence.data["required_from"] == "2026-01-13"


async def test_sales_with_a_base_and_no_ceiling_passes(decide: Decide) -> None:
    """上不封顶 with a stated base for sales is info; with 刷单-style cues it is a funnel."""
    ev = await decide(title="电话销售", description="底薪4000+提成，上不封顶，五险一金，双休。",
                      salary={"text": "4000-12000元/月", "min": 4000, "max": 12000,
                              "unit": "month"}, location=BJ)
    assert ev.outcome == Outcome.approve, decisive(ev)
    day = await decide(title="活动促销员", description="周末促销，日结，每天200元，包午餐。",
                       salary={"text": "200元/天", "min": 200, "max": 200, "unit": "day"},
                       location=BJ, employment_type="part_time")
    assert day.outcome == Outcome.approve, decisive(day)
    funnel = await decide(title="兼职", description="日结，时间自由，做任务返佣金，一单一结。",
                          salary={"text": "200元/天", "min": 200, "max": 200, "unit": "day"},
                          location=BJ, employment_type="part_time")
    assert funnel.outcome != Outcome.approve
