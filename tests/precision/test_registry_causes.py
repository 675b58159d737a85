"""Issue 14 causes 5 (agencies) and 8 (专精特新 claims), and revoked employers, with a registry.

Postings go through the engine `verifier eval` builds (every fact provider, a fresh temp
database holding the small registry written here), so the registry facts are real.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from tests.factories import make_posting
from verifier.eval.registry import eval_settings
from verifier.eval.runner import offline
from verifier.models import Outcome
from verifier.pipeline.engine import Evaluation
from verifier.registry.uscc import org_code_check_char, uscc_check_char
from verifier.settings import Settings

RULES = Path(__file__).resolve().parents[2] / "rules"


def make_uscc(body8: str, div: str) -> str:
    """A checksum-valid USCC (企业, 工商) with an 8-character organisation body."""
    first17 = f"91{div}{body8}{org_code_check_char(body8)}"
    return first17 + uscc_check_char(first17)

AGENCY = ("北京聚才人力资源有限公司", make_uscc("AG7K2M4Q", "110000"))
SMALL = ("北京精工机械有限公司", make_uscc("KM3P8R1T", "110000"))
DEAD = ("北京旧城商贸有限公司", make_uscc("DE5W9X2Y", "110000"))
GIANT = ("北京恒锐传感科技有限公司", make_uscc("GT4N6U8H", "110000"))


def _records() -> list[dict[str, Any]]:
    base = {"status_raw": "存续", "established": "2010-03-01", "division_code": "110000",
            "source": "test"}
    return [
        {**base, "name": AGENCY[0], "uscc": AGENCY[1], "staff_range": "少于10人",
         "business_scope": "劳务派遣；人力资源服务（不含职业中介活动）；企业管理咨询"},
        {**base, "name": SMALL[0], "uscc": SMALL[1], "staff_range": "少于10人",
         "business_scope": "机械设备制造；销售机械设备"},
        {**base, "name": DEAD[0], "uscc": DEAD[1], "status_raw": "吊销，未注销"},
        {**base, "name": GIANT[0], "uscc": GIANT[1], "business_scope": "传感器研发、制造",
         "recognitions": [{"tier": "little_giant", "batch": "第三批", "authority": "工业和信息化部",
                           "recognised_on": "2021-07-19", "valid_until": "2024-07-18"}]},
    ]


async def _decide(tmp_path: Path, *postings: dict[str, Any]) -> list[Evaluation]:
    reg = tmp_path / "registry.jsonl"
    reg.write_bytes(b"\n".join(orjson.dumps(r) for r in _records()))
    base = Settings(rules_dir=RULES, fact_timeout_s=60.0)
    out = []
    async with eval_settings(base, reg) as (settings, used), offline(settings) as (engine, _):
        assert used.records == 4, used
        for kw in postings:
            out.append(await engine.evaluate(make_posting(**kw)))
    return out


def _job(employer: tuple[str, str], **kw: Any) -> dict[str, Any]:
    return {"enterprise": {"name": employer[0], "uscc": employer[1]},
            "location": {"province": "北京", "city": "北京"}, "title": "装配工",
            "description": "负责产线装配和质检，做五休二，五险一金。", "experience": "1-3年",
            "salary": {"text": "6000-8000元/月", "min": 6000, "max": 8000, "unit": "month"},
            "education": "高中", **kw}


async def test_agency_hiring_many_is_tagged_not_held(tmp_path: Path) -> None:
    """A labour-dispatch firm with 9 staff posting 200 openings: tagged, no headcount rule."""
    agency, small = await _decide(tmp_path, _job(AGENCY, headcount=200),
                                  _job(SMALL, headcount=200))
    assert "agency" in agency.tags
    assert "content.headcount_vs_size" not in {f.rule for f in agency.findings}
    assert agency.outcome == Outcome.approve
    assert "agency" not in small.tags
    assert "content.headcount_vs_size" in {f.rule for f in small.findings}


async def test_revoked_employer_is_rejected(tmp_path: Path) -> None:
    """Every posting of an employer whose licence was revoked is rejected."""
    (ev,) = await _decide(tmp_path, _job(DEAD))
    assert ev.outcome == Outcome.reject
    assert "registry.status.revoked" in {f.rule for f in ev.findings}


async def test_little_giant_claims_against_dates_and_recognitions(tmp_path: Path) -> None:
    """Colloquial 行业小巨人 and 科技小巨人 are no claim; the title needs a valid recognition."""
    profile_ok = "公司是细分领域的行业小巨人，曾获评科技小巨人企业、瞪羚企业。"
    colloquial, unbacked, backed, early = await _decide(
        tmp_path,
        _job(SMALL, company_profile=profile_ok),
        _job(SMALL, company_profile="国家级专精特新小巨人企业。"),
        _job(GIANT, company_profile="国家级专精特新小巨人企业。",
             submitted_at="2022-04-15T10:00:00+08:00"),
        _job(GIANT, company_profile="国家级专精特新小巨人企业。",
             submitted_at="2018-10-15T10:00:00+08:00"),
    )
    assert "registry.claim.zjtx" not in {f.rule for f in colloquial.findings}
    claim = {f.rule: f for f in unbacked.findings}["registry.claim.zjtx"]
    assert claim.severity == "flag" and claim.evidence.data["before_programme"] is False
    assert "registry.claim.zjtx" not in {f.rule for f in backed.findings}
    assert "小巨人" in backed.tags
    old = {f.rule: f for f in early.findings}["registry.claim.zjtx"]
    assert old.evidence.data["before_programme"] is True and "2019" in old.message
