"""Appearance and age are info by default; a campaign or portal scope may forbid them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from tests.factories import make_posting
from tests.precision.conftest import RULES, Decide, decisive, rules
from verifier.models import Finding, Outcome, Severity
from verifier.pipeline.catalog import Catalog
from verifier.pipeline.engine import Engine
from verifier.pipeline.policy import Combination, Policy, PolicyConfig, Scope

RECEPTION = ("酒店前台接待，负责客人入住登记、退房结算和咨询服务。要求身高160cm以上，"
             "形象气质佳，年龄20-35岁，35岁以下优先考虑，普通话标准，能适应倒班。")


async def test_height_and_age_are_visible_but_do_not_hold(decide: Decide) -> None:
    """A hotel receptionist asking for height and an age band is approved, with info."""
    ev = await decide(title="酒店前台", description=RECEPTION)
    assert ev.outcome == Outcome.approve
    found = {f.rule: f for f in ev.findings}
    assert found["keywords.discrimination.appearance"].severity == "info"
    assert found["keywords.discrimination.age"].severity == "info"
    assert "身高" in {s.text for s in found["keywords.discrimination.appearance"].evidence.spans}


async def test_appearance_with_vice_cues_is_held(decide: Decide) -> None:
    """Appearance demands next to vice cues stay a hold (the 陪侍 front)."""
    ev = await decide(title="私人助理", description="招聘私人助理，女，身高165以上，形象气质佳，"
                      "颜值高，陪同老板出席应酬，高薪日结。")
    assert ev.outcome != Outcome.approve
    assert "policy.combination.appearance_vice" in decisive(ev) or any(
        r.startswith("keywords.vice_illegal") for r in decisive(ev))


async def test_sex_limits_stay_a_reject(decide: Decide) -> None:
    """The law's grounds are untouched: 限男性 still rejects."""
    ev = await decide(title="仓库管理员",
                      description="负责仓库出入库登记与盘点，限男性，年龄18-45岁。")
    assert ev.outcome == Outcome.reject
    assert "keywords.discrimination.sex" in decisive(ev)


def _scoped_pack(tmp_path: Path) -> Path:
    pack = tmp_path / "rules"
    shutil.copytree(RULES, pack)
    with (pack / "policy.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[[scope]]\nportal = "strict-portal"\n'
                 'basis = "平台发布规范第7条：不得设置与岗位无关的年龄、外貌条件"\n'
                 '[scope.rules."keywords.discrimination.age"]\nseverity = "flag"\n'
                 '[scope.rules."keywords.discrimination.appearance"]\nseverity = "flag"\n'
                 '\n[[scope]]\ncampaign = "2022-sme-100day"\n'
                 'basis = "活动规则：面向高校毕业生，不设年龄门槛"\n'
                 '[scope.rules."keywords.discrimination.age"]\nseverity = "flag"\n')
    return pack


async def test_portal_scope_flags_and_cites_its_basis(tmp_path: Path) -> None:
    """Under a portal that forbids them, the same posting flags, citing the portal's rule."""
    engine = Engine(Catalog.load(_scoped_pack(tmp_path)))
    posting = make_posting(title="酒店前台", description=RECEPTION)
    ev = await engine.evaluate(posting, portal="strict-portal")
    assert ev.outcome == Outcome.flag
    age = decisive(ev)["keywords.discrimination.age"]
    assert age.evidence.data["policy"] == {
        "scope": "portal:strict-portal",
        "legal_basis": "平台发布规范第7条：不得设置与岗位无关的年龄、外貌条件"}
    assert "平台发布规范第7条" in age.message
    other = await engine.evaluate(posting, portal="other-portal")
    assert other.outcome == Outcome.approve


async def test_campaign_scope_applies_to_campaign_postings_only(tmp_path: Path) -> None:
    """A campaign's scope binds postings of that campaign, not others on the same portal."""
    engine = Engine(Catalog.load(_scoped_pack(tmp_path)))
    text = "行政助理，负责文件整理和会议安排，35岁以下。"
    inside = await engine.evaluate(make_posting(description=text, campaign="2022-sme-100day"))
    assert "keywords.discrimination.age" in decisive(inside)
    assert decisive(inside)["keywords.discrimination.age"].evidence.data["policy"]["scope"] == \
        "campaign:2022-sme-100day"
    outside = await engine.evaluate(make_posting(description=text))
    assert "keywords.discrimination.age" in rules(outside)
    assert "keywords.discrimination.age" not in decisive(outside)


def test_a_scope_names_one_target() -> None:
    """A scope with both a campaign and a portal (or neither) is refused."""
    with pytest.raises(ValidationError):
        Scope(campaign="c", portal="p", basis="b", rules={})
    with pytest.raises(ValidationError):
        Scope(basis="b", rules={})


def test_keyword_sub_rules_share_their_category_family() -> None:
    """月入过万 (a sub-rule) and 日入过千 (the bare rule) are one family, not two."""
    combo = Combination(name="x", rules=["keywords.high_pay_lure*", "salary.bait*"],
                        min_families=2, message="m")
    pol = Policy(PolicyConfig(combination=[combo]))

    def f(rule: str) -> Finding:
        return Finding(rule=rule, severity=Severity.info, score=10, message="m")

    same = pol.apply([f("keywords.high_pay_lure"), f("keywords.high_pay_lure.promise")])
    assert not any(x.rule.startswith("policy.combination") for x in same.findings)
    two = pol.apply([f("keywords.high_pay_lure.promise"), f("salary.bait_range")])
    assert any(x.rule == "policy.combination.x" for x in two.findings)
