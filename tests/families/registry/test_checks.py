"""Registry checks, pure: the registry fact is built directly, no database or lookup."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.factories import RULES, make_facts, make_posting
from verifier.families.registry.checks import RegistryCheck
from verifier.families.registry.standing import RegistryStandingCheck
from verifier.models import Finding, Severity
from verifier.pack import PackReader
from verifier.registry.fact import RegistryFact
from verifier.registry.match import NameMatch
from verifier.registry.records import (
    EnterpriseRecord,
    ListMembership,
    Recognition,
    SizeClass,
    Status,
)
from verifier.registry.uscc import org_code_check_char, uscc_check_char, validate_uscc

HUAWEI = "914403001922038216"
HUAWEI_NAME = "华为技术有限公司"
OTHER = "91110108551385082Q"  # 小米科技有限责任公司


def load(klass: Any) -> Any:
    pack = PackReader(RULES)
    check = klass.load(pack)
    assert pack.issues == []
    return check


@pytest.fixture(scope="module")
def identity() -> RegistryCheck:
    return load(RegistryCheck)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def standing() -> RegistryStandingCheck:
    return load(RegistryStandingCheck)  # type: ignore[no-any-return]


def rec(**kw: Any) -> EnterpriseRecord:
    base: dict[str, Any] = {"uscc": HUAWEI, "name": HUAWEI_NAME, "status": "active",
                            "established": "1987-09-15", "division_code": "440300"}
    return EnterpriseRecord.model_validate({**base, **kw})


def fact(record: EnterpriseRecord | None = None, *, name: str = HUAWEI_NAME, code: str | None =
         HUAWEI, match: str | None = "uscc", score: float | None = 100.0,
         candidates: tuple[NameMatch, ...] = ()) -> RegistryFact:
    return RegistryFact(name, validate_uscc(code) if code else None, record,
                        match if record else None, score if record else None, {}, candidates)


def cand(record: EnterpriseRecord, score: float, kind: str = "fuzzy") -> NameMatch:
    return NameMatch(record, kind, score, record.name)


def run(check: Any, posting_kw: dict[str, Any], f: RegistryFact | None,
        on: date | None = None) -> list[Finding]:
    from datetime import UTC, datetime

    posting = make_posting(**posting_kw)
    now = datetime(on.year, on.month, on.day, tzinfo=UTC) if on else None
    facts = make_facts(posting, now, registry=f)
    return check.check(facts)  # type: ignore[no-any-return]


def rules_of(found: list[Finding]) -> list[tuple[str, Severity]]:
    return sorted((f.rule, f.severity) for f in found)


def ent(name: str = HUAWEI_NAME, uscc: str | None = HUAWEI) -> dict[str, Any]:
    return {"enterprise": {"name": name} | ({"uscc": uscc} if uscc is not None else {})}


def with_org_failure() -> str:
    body = "91440300" + "19220382"
    bad_org = body + str((int(org_code_check_char(body[8:])) + 1) % 10
                         if org_code_check_char(body[8:]).isdigit() else "0")
    return bad_org + uscc_check_char(bad_org)


OTHER_REC = EnterpriseRecord(uscc=OTHER, name="小米科技有限责任公司", status=Status.active)


@pytest.mark.parametrize(
    ("posting_kw", "f", "expected"),
    [
        # no registry configured: only the code is judged
        (ent(), None, []),
        (ent(uscc=None), None, [("registry.uscc.missing", Severity.flag)]),
        (ent(uscc="914403001922038217"), None, [("registry.uscc.invalid", Severity.reject)]),
        (ent(uscc="91440300192203821"), None, [("registry.uscc.invalid", Severity.reject)]),
        (ent(uscc="9144O3001922038216"), None, [("registry.uscc.invalid", Severity.reject)]),
        (ent(uscc=with_org_failure()), None, [("registry.uscc.org_code", Severity.flag)]),
        # found by code, names agree
        (ent(), fact(rec()), []),
        # valid code not in the registry
        (ent(), fact(None), [("registry.not_found", Severity.flag)]),
        (ent(), fact(None, candidates=(cand(rec(), 100.0, "exact"),)),
         [("registry.not_found", Severity.flag)]),
        # code belongs to a company with a close name / another company
        (ent("华为科技有限公司"), fact(rec(), score=75.0),
         [("registry.name_mismatch", Severity.flag)]),
        (ent("某某餐饮管理有限公司"), fact(rec(), score=20.0),
         [("registry.name_mismatch", Severity.reject)]),
        (ent("小米科技有限责任公司"), fact(rec(), score=70.0, candidates=(cand(OTHER_REC, 100.0,
                                                                              "exact"),)),
         [("registry.lookalike", Severity.flag), ("registry.name_mismatch", Severity.reject)]),
        # brand look-alikes
        (ent("北京字节跳动科技有限公司", OTHER), fact(OTHER_REC, score=30.0),
         [("registry.lookalike", Severity.flag), ("registry.name_mismatch", Severity.reject)]),
        (ent("宇节跳动科技有限公司", None), fact(None, code=None),
         [("registry.lookalike", Severity.flag), ("registry.not_found", Severity.flag),
          ("registry.uscc.missing", Severity.flag)]),
        (ent("北京字节跳动科技有限公司", None),
         fact(EnterpriseRecord(name="北京字节跳动科技有限公司"), code=None, match="exact"),
         [("registry.uscc.missing", Severity.flag)]),  # status unknown: identity not settled
        # no code, but the exact name resolves to one active registered company: info only
        (ent(HUAWEI_NAME, None), fact(rec(), code=None, match="exact"),
         [("registry.uscc.missing", Severity.info)]),
        (ent(HUAWEI_NAME, None), fact(rec(), code=None, match="fuzzy", score=90.0),
         [("registry.uscc.missing", Severity.flag)]),
        (ent("深圳华为达电子有限公司", None), fact(None, code=None), [
            ("registry.not_found", Severity.flag), ("registry.uscc.missing", Severity.flag)]),
        # imitation of a registered company (no code, close but not matching name)
        (ent("华为技术服务有限公司", None), fact(None, code=None,
                                                candidates=(cand(rec(), 78.0),)),
         [("registry.lookalike", Severity.flag), ("registry.not_found", Severity.flag),
          ("registry.uscc.missing", Severity.flag)]),
    ],
)
def test_identity(identity: RegistryCheck, posting_kw: dict[str, Any], f: RegistryFact | None,
                  expected: list[tuple[str, Severity]]) -> None:
    assert rules_of(run(identity, posting_kw, f)) == sorted(expected)


def test_invalid_code_evidence_has_reason_and_span(identity: RegistryCheck) -> None:
    [f] = run(identity, ent(uscc="914403001922038217"), None)
    assert f.evidence.data["issues"][0]["reason"] == "check_char"
    assert f.evidence.data["issues"][0]["expected"] == "6"
    assert f.evidence.spans[0].field == "enterprise.uscc"


def test_name_mismatch_evidence(identity: RegistryCheck) -> None:
    [f] = run(identity, ent("华为科技有限公司"), fact(rec(), score=75.0))
    d = f.evidence.data
    assert (d["score"], d["threshold"], d["record"]["name"]) == (75.0, 85.0, HUAWEI_NAME)
    assert f.evidence.spans[0].text == "华为科技有限公司"


def test_not_found_severity_is_configurable(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(RULES, tmp_path / "rules")
    p = tmp_path / "rules" / "registry" / "rules.toml"
    p.write_text(p.read_text(encoding="utf-8").replace(
        'id = "registry.not_found"\nseverity = "flag"',
        'id = "registry.not_found"\nseverity = "reject"'), encoding="utf-8")
    pack = PackReader(tmp_path / "rules")
    check = RegistryCheck.load(pack)
    assert rules_of(run(check, ent(), fact(None))) == [("registry.not_found", Severity.reject)]
    with_cand = fact(None, candidates=(cand(rec(), 90.0),))
    assert rules_of(run(check, ent(), with_cand)) == [("registry.not_found", Severity.flag)]


STATUS_SEVERITY = {
    Status.moved_out: Severity.flag, Status.suspended: Severity.flag,
    Status.closed_temporarily: Severity.flag, Status.liquidating: Severity.reject,
    Status.revoked: Severity.reject, Status.deregistered: Severity.reject,
    Status.cancelled: Severity.reject, Status.unknown: Severity.flag,
}


@pytest.mark.parametrize("status", list(Status))
def test_every_status(standing: RegistryStandingCheck, status: Status) -> None:
    found = run(standing, {}, fact(rec(status=status, status_raw="原文")))
    if status is Status.active:
        assert found == []
    else:
        assert rules_of(found) == [(f"registry.status.{status.value}", STATUS_SEVERITY[status])]
        assert found[0].evidence.data["status_raw"] == "原文"


@pytest.mark.parametrize(
    ("posting_kw", "record", "on", "expected"),
    [
        ({}, rec(established="2022-03-01"), date(2022, 4, 15),
         [("registry.too_new", Severity.flag)]),
        ({}, rec(established="2021-12-01"), date(2022, 4, 15), []),
        ({"location": {"province": "北京"}}, rec(), None, []),  # region: consistency_region
        ({}, rec(lists=[ListMembership(list="abnormal", listed_on=date(2021, 1, 1))]), None,
         [("registry.list.abnormal", Severity.flag)]),
        ({}, rec(lists=[ListMembership(list="abnormal", listed_on=date(2021, 1, 1),
                                       removed_on=date(2022, 1, 1))]), None, []),
        ({}, rec(lists=[ListMembership(list="abnormal", listed_on=date(2023, 1, 1))]), None, []),
        ({}, rec(lists=[ListMembership(list="serious_violation", listed_on=date(2020, 5, 1))]),
         None, [("registry.list.serious_violation", Severity.reject)]),
    ],
)
def test_standing(standing: RegistryStandingCheck, posting_kw: dict[str, Any],
                  record: EnterpriseRecord, on: date | None,
                  expected: list[tuple[str, Severity]]) -> None:
    assert rules_of(run(standing, posting_kw, fact(record), on)) == sorted(expected)


ZJTX = Recognition(tier="zjtx", recognised_on=date(2021, 7, 1), valid_until=date(2024, 6, 30))
GIANT = Recognition(tier="little_giant", batch="第三批", recognised_on=date(2021, 9, 1),
                    valid_until=date(2024, 8, 31))
EXPIRED = Recognition(tier="zjtx", recognised_on=date(2018, 1, 1), valid_until=date(2021, 1, 1))
CLAIM = "我司是国家级专精特新小巨人企业，负责公司核心业务系统的后端开发与维护。"
CLAIM_ZJTX = "我司是专精特新企业，负责公司核心业务系统的后端开发与维护，参与需求分析。"


@pytest.mark.parametrize(
    ("description", "recognitions", "expected", "tags"),
    [
        (CLAIM, [], [("registry.claim.zjtx", Severity.flag)], []),
        (CLAIM, [ZJTX], [("registry.claim.zjtx", Severity.flag)], ["专精特新"]),
        (CLAIM, [GIANT], [], ["专精特新", "小巨人"]),
        (CLAIM_ZJTX, [ZJTX], [], ["专精特新"]),
        (CLAIM_ZJTX, [EXPIRED], [("registry.claim.zjtx", Severity.flag)], []),
        (CLAIM_ZJTX, [GIANT], [], ["专精特新", "小巨人"]),
        ("负责公司核心业务系统的后端开发与维护，参与需求分析和代码评审。", [], [], []),
    ],
)
def test_zjtx_claims_and_tags(standing: RegistryStandingCheck, description: str,
                              recognitions: list[Recognition],
                              expected: list[tuple[str, Severity]], tags: list[str]) -> None:
    posting = make_posting(description=description)
    facts = make_facts(posting, registry=fact(rec(recognitions=recognitions)))
    found = standing.check(facts)
    assert rules_of(found) == expected
    assert standing.tags(facts) == tags
    if found:
        span = found[0].evidence.spans[0]
        assert description[span.start:span.end] == span.text


def test_sme_tag(standing: RegistryStandingCheck) -> None:
    posting = make_posting()
    small = make_facts(posting, registry=fact(rec(size_class=SizeClass.small)))
    large = make_facts(posting, registry=fact(rec(size_class=SizeClass.large)))
    assert (standing.tags(small), standing.tags(large)) == (["SME"], [])


def test_no_record_no_standing_findings(standing: RegistryStandingCheck) -> None:
    assert run(standing, {"description": CLAIM}, fact(None)) == []


STAR = EnterpriseRecord(uscc="91110108MA01ABCD1X", name="北京星河远航科技有限公司",
                        status=Status.active)
OLD_DIVISION = "91220101MA13XQYL0T"  # real code, 220101 (长春市辖区) is not in the 2023 table


@pytest.mark.parametrize(
    ("posting_kw", "f", "expected"),
    [
        # valid code not registered + a close registered name: one finding, candidate inside
        (ent("星河远航科技有限公司"), fact(None, candidates=(cand(STAR, 78.0),)),
         [("registry.not_found", Severity.flag)]),
        (ent("星河远航科技有限公司", None), fact(None, code=None,
                                                candidates=(cand(STAR, 78.0),)),
         [("registry.not_found", Severity.flag), ("registry.uscc.missing", Severity.flag)]),
        # resolved to a record by a fuzzy name, and the best candidate is only close: look-alike
        (ent("星河远航技术有限公司", None),
         fact(STAR, code=None, match="fuzzy", score=78.0, candidates=(cand(STAR, 78.0),)),
         [("registry.lookalike", Severity.flag), ("registry.uscc.missing", Severity.flag)]),
        # an ambiguous name (no distinctive 字号) imitates nothing in particular
        (ent("自来水公司", None),
         fact(STAR, code=None, match="fuzzy", score=78.0,
              candidates=(cand(STAR, 78.0, "ambiguous"),)),
         [("registry.uscc.missing", Severity.flag)]),
        # division code missing from the 2023 table: info; none when the registry has the
        # code; flag when the code is not registered either
        (ent(uscc=OLD_DIVISION), None, [("registry.uscc.division", Severity.info)]),
        (ent(uscc=OLD_DIVISION), fact(rec(uscc=OLD_DIVISION), code=OLD_DIVISION), []),
        (ent(uscc=OLD_DIVISION), fact(None, code=OLD_DIVISION),
         [("registry.not_found", Severity.flag), ("registry.uscc.division", Severity.flag)]),
    ],
)
def test_coherent_pairs(identity: RegistryCheck, posting_kw: dict[str, Any],
                        f: RegistryFact | None, expected: list[tuple[str, Severity]]) -> None:
    assert rules_of(run(identity, posting_kw, f)) == sorted(expected)


def test_not_found_names_the_closest_registered_company(identity: RegistryCheck) -> None:
    [f] = run(identity, ent("星河远航科技有限公司"), fact(None, candidates=(cand(STAR, 78.0),)))
    closest = f.evidence.data["closest"]
    assert (closest["name"], closest["score"], closest["min"]) == (STAR.name, 78.0, 70.0)
    assert "北京星河远航科技有限公司" in f.message and "代码不同" in f.message


def test_division_finding_evidence(identity: RegistryCheck) -> None:
    [f] = run(identity, ent(uscc=OLD_DIVISION), None)
    assert f.evidence.data["issues"][0]["reason"] == "division_unknown"
    assert f.evidence.data["escalated_by"] is None
    assert f.evidence.spans[0].text == OLD_DIVISION
