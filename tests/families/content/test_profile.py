"""content.profile_is_ad: company profile or description that is mostly advertising."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.factories import load_check, make_facts, make_posting
from verifier.families.content.profile import ProfileAdCheck
from verifier.pack import PackReader

AD_PROFILE = ("高薪诚聘，月入过万不是梦！底薪加提成，上不封顶。晋升空间大，欢迎加入我们！"
              "包吃住，五险一金。")
REAL_PROFILE = ("本公司成立于2008年，主要从事工业自动化设备的研发与生产，产品销往全国二十多个省份。"
                "公司拥有多项专利技术，通过ISO9001质量体系认证。")
MIXED_PROFILE = REAL_PROFILE + "现因业务发展诚聘英才，欢迎加入！"
AD_DESC = "高薪诚聘！底薪5000加提成。周末双休，五险一金。月入过万，欢迎加入！"
REAL_DESC = ("岗位职责：负责门店日常接待，处理顾客咨询；任职要求：沟通能力强。"
             "我们提供五险一金，周末双休。")

CASES: list[tuple[dict[str, Any], list[str]]] = [
    ({"company_profile": AD_PROFILE}, ["company_profile"]),
    ({"company_profile": REAL_PROFILE}, []),
    ({"company_profile": MIXED_PROFILE}, []),
    ({"description": AD_DESC}, ["description"]),
    ({"description": REAL_DESC}, []),
    ({"company_profile": AD_PROFILE, "description": AD_DESC}, ["company_profile", "description"]),
    ({"company_profile": "诚聘。"}, []),
]


@pytest.fixture(scope="module")
def check() -> ProfileAdCheck:
    return load_check(ProfileAdCheck)


@pytest.mark.parametrize(("overrides", "fields"), CASES)
def test_profile_is_ad(check: ProfileAdCheck, overrides: dict[str, Any],
                       fields: list[str]) -> None:
    p = make_posting(**overrides)
    found = check.check(make_facts(p))
    assert [f.evidence.data["field"] for f in found] == fields
    for f in found:
        assert f.rule == "content.profile_is_ad"
        assert f.evidence.data["ad_sentences"] >= 3
        for s in f.evidence.spans:
            text = p.company_profile if s.field == "company_profile" else p.description
            assert text is not None and text[s.start:s.end] == s.text


def test_bad_threshold_is_refused_with_line(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "profile.toml").write_text(
        'ad = ["诚聘"]\nmin_ad_ratio = 1.5\n', encoding="utf-8")
    pack = PackReader(tmp_path)
    ProfileAdCheck.build(pack)
    assert [(i.file, i.line) for i in pack.issues] == [("content/profile.toml", 2)]
