"""Weak-signal cues: each fires on the situation it names, with spans into the original text."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.factories import load_check, make_facts, make_posting
from verifier.families.signals.check import SignalsCheck
from verifier.families.signals.cues import staff_upper
from verifier.models import Severity
from verifier.registry.fact import RegistryFact
from verifier.registry.records import EnterpriseRecord

BODY = ("负责公司核心业务系统的后端开发与维护，参与需求分析、系统设计和代码评审。"
        "要求计算机相关专业本科及以上学历，熟悉Java、Spring Boot和MySQL。")


@pytest.fixture(scope="module")
def check() -> SignalsCheck:
    return load_check(SignalsCheck)


def _cues(check: SignalsCheck, record: EnterpriseRecord | None = None,
          **overrides: Any) -> dict[str, Any]:
    posting = make_posting(**overrides)
    values = {"registry": RegistryFact(query_name=posting.enterprise.name, record=record)}
    findings = check.check(make_facts(posting, **values))
    return {f.rule.removeprefix("signals.cue."): f for f in findings}


def test_an_ordinary_posting_raises_no_cue(check: SignalsCheck) -> None:
    got = _cues(check, company_profile="华为是全球领先的信息与通信技术解决方案供应商。")
    assert got == {}
    assert _cues(check) == {}  # no company_profile sent: unknown, not missing


CASES: list[tuple[str, dict[str, Any], str | None]] = [
    # cue, posting overrides, a text its evidence must quote
    ("title_subtitle_mismatch",
     {"title": "行政文员", "description": "电话销售 底薪加提成\n" + BODY}, "销售"),
    ("pay_figures", {"description": BODY + "底薪3000元，提成5000元，月入过万，日赚500元。"},
     "3000元"),
    ("open_requirements_skilled", {"title": "软件工程师", "education": "学历不限"}, "软件工程师"),
    ("hype", {"description": BODY + "不甘平庸的你，来这里改变命运！"}, "改变命运"),
    ("duties_one_line", {"description": "招聘普工，工资高。"}, None),
    ("intro_missing", {}, None),
    ("intro_advert", {"company_profile": "本公司急招普工，月薪8000，包吃住，联系电话1380000"},
     "急招"),
    ("welfare_too_good", {"description": BODY + "五险一金、包吃包住、双休、带薪年假、年终奖、"
                          "员工旅游、餐补、房补、交通补、话补、节日福利。"}, "五险一金"),
    ("urgency", {"description": BODY + "急招！包吃住，无需经验。"}, "急招"),
    ("body_contradicts_fields", {"education": "学历不限", "description": BODY.replace(
        "本科及以上学历", "") + "要求大专及以上学历。"}, "大专及以上"),
]


@pytest.mark.parametrize(("cue", "overrides", "quoted"), CASES, ids=[c[0] for c in CASES])
def test_each_text_cue_fires_with_evidence(check: SignalsCheck, cue: str,
                                           overrides: dict[str, Any], quoted: str | None) -> None:
    overrides.setdefault("company_profile", "华为是全球领先的信息与通信技术解决方案供应商。")
    if cue == "intro_missing":
        overrides["company_profile"] = " "
    got = _cues(check, **overrides)
    assert cue in got, sorted(got)
    f = got[cue]
    assert f.severity is Severity.info and f.evidence.data["cue_value"] > 0
    if quoted is not None:
        assert any(quoted in s.text for s in f.evidence.spans), f.evidence.spans
        posting = make_posting(**overrides)
        for s in f.evidence.spans:
            value = posting.title if s.field == "title" else (
                posting.description if s.field == "description" else
                posting.company_profile if s.field == "company_profile" else None)
            if value is not None:
                assert value[s.start:s.end] == s.text


def _record(**kw: Any) -> EnterpriseRecord:
    return EnterpriseRecord(name="华为技术有限公司", **kw)


def test_registry_cues(check: SignalsCheck) -> None:
    profile = "华为是全球领先的信息与通信技术解决方案供应商。"
    got = _cues(check, _record(staff_range="20-99人"), headcount=300, company_profile=profile)
    assert got["headcount_vs_size"].evidence.data["headcount"] == 300
    young = _record(established=date(2022, 3, 1))
    got = _cues(check, young, headcount=30, company_profile=profile)
    assert got["young_company_many"].evidence.data["age_days"] == 45
    scope = "、".join(f"项目{i}" for i in range(30))
    got = _cues(check, _record(business_scope=scope, capital_cny=100_000.0),
                company_profile=profile)
    assert got["scope_too_broad"].evidence.data["items"] == 30
    # A big capital or an old company: no cue.
    assert "scope_too_broad" not in _cues(check, _record(business_scope=scope,
                                                          capital_cny=5e7), company_profile=profile)
    assert "young_company_many" not in _cues(check, _record(established=date(2010, 1, 1)),
                                              headcount=30, company_profile=profile)


def test_agencies_may_hire_beyond_their_own_size(check: SignalsCheck) -> None:
    agency = EnterpriseRecord(name="上海某某劳务派遣有限公司", staff_range="20-99人")
    got = _cues(check, agency, headcount=300,
                enterprise={"name": "上海某某劳务派遣有限公司"},
                company_profile="专业劳务派遣机构，服务上海及周边制造企业。")
    assert "headcount_vs_size" not in got


def test_staff_bands() -> None:
    assert staff_upper("20-99人") == 99
    assert staff_upper("少于20人") == 20
    assert staff_upper("1000人以上") is None
    assert staff_upper(None) is None
