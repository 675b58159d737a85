"""Campaign checks: tags, phase windows, graduate fit."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.factories import declared, make_facts, make_posting
from verifier.families.campaign.checks import Campaign, CampaignCheck, Phase

CAMPAIGN = Campaign(
    id="2022-sme-100day", name="百日招聘", tag="百日招聘2022",
    aliases=["网上百日招聘", "百日招聘"], graduates=True,
    phase=[Phase(name="一", start=date(2022, 4, 1), end=date(2022, 5, 31)),
           Phase(name="二", start=date(2022, 10, 1), end=date(2022, 11, 30))],
)
CHECK = declared(CampaignCheck([CAMPAIGN]))
IN = "2022-05-31T23:00:00+08:00"
OUT = "2022-06-01T08:00:00+08:00"


@pytest.mark.parametrize(
    ("overrides", "rules", "tags"),
    [
        ({"campaign": "2022-sme-100day", "submitted_at": IN}, [], ["百日招聘2022"]),
        ({"campaign": "2022-sme-100day", "submitted_at": OUT}, ["campaign.outside_phase"],
         ["百日招聘2022"]),
        ({"campaign": "2022-sme-100day", "submitted_at": "2022-10-01T00:00:00+08:00"}, [],
         ["百日招聘2022"]),
        ({"campaign": "2022-sme-100day", "submitted_at": "2022-12-01T00:00:00+08:00"},
         ["campaign.outside_phase"], ["百日招聘2022"]),
        ({"title": "网上百日招聘：测试工程师", "submitted_at": IN}, [], ["百日招聘2022"]),
        ({"campaign": "2099-other"}, ["campaign.unknown"], []),
        ({}, [], []),
        ({"campaign": "2022-sme-100day", "submitted_at": IN, "experience": "3-5年"},
         ["campaign.experience_required"], ["百日招聘2022"]),
        ({"campaign": "2022-sme-100day", "submitted_at": IN, "experience": "三年以上"},
         ["campaign.experience_required"], ["百日招聘2022"]),  # Chinese numerals read here
        ({"campaign": "2022-sme-100day", "submitted_at": IN, "experience": "实习1年"}, [],
         ["百日招聘2022"]),
        ({"campaign": "2022-sme-100day", "submitted_at": IN, "experience": "经验不限"}, [],
         ["百日招聘2022"]),
        ({"campaign": "2022-sme-100day", "submitted_at": IN, "experience": "1年以下"}, [],
         ["百日招聘2022"]),
        ({"campaign": "2022-sme-100day", "submitted_at": IN, "experience": "应届毕业生"}, [],
         ["百日招聘2022"]),
        ({"campaign": "2022-sme-100day", "submitted_at": IN,
          "description": "负责产品测试。要求五年以上相关工作经验，熟悉自动化测试工具和流程。"},
         ["campaign.experience_required"], ["百日招聘2022"]),
        ({"description": "负责产品测试。要求五年以上相关工作经验，熟悉自动化测试工具和流程。"},
         [], []),
    ],
)
def test_campaign_rules(overrides: dict[str, Any], rules: list[str], tags: list[str]) -> None:
    posting = make_posting(**overrides)
    facts = make_facts(posting)
    assert sorted(f.rule for f in CHECK.check(facts)) == rules
    assert CHECK.tags(facts) == tags


def test_experience_span_points_into_original_text() -> None:
    desc = "负责产品测试。要求５年以上工作经验。"
    posting = make_posting(campaign="2022-sme-100day", submitted_at=IN, description=desc)
    (finding,) = CHECK.check(make_facts(posting))
    (span,) = finding.evidence.spans
    assert desc[span.start:span.end] == span.text == "５年以上工作经验"
    assert finding.evidence.data["years"] == 5


def test_alias_precedence_is_campaign_order_then_field_not_position() -> None:
    other = Campaign(id="2023-spring", name="春风行动", tag="春风行动2023", aliases=["春风行动"],
                     phase=[Phase(name="一", start=date(2022, 1, 1), end=date(2022, 12, 31))])
    check = declared(CampaignCheck([CAMPAIGN, other]))
    posting = make_posting(title="春风行动 测试工程师", description="本岗位参加百日招聘。",
                           submitted_at=OUT)
    facts = make_facts(posting)
    assert check.tags(facts) == ["春风行动2023"]  # title before description
    posting = make_posting(description="春风行动、百日招聘联合岗位。", submitted_at=OUT)
    facts = make_facts(posting)
    (found,) = check.check(facts)
    assert found.rule == "campaign.outside_phase"
    assert found.evidence.spans[0].text == "百日招聘"  # first campaign wins, not first in text
    assert check.tags(facts) == ["百日招聘2022"]
    assert declared(CampaignCheck([])).tags(facts) == []
