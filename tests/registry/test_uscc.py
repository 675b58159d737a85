"""USCC / 注册号 validation: real codes pass, altered ones fail with the right reason.

Real codes: DOMAIN.md §2 verified examples, and a few rows of the Enterprise-Registration-
Data-of-Chinese-Mainland sample (Wen Liu, CC BY-NC-SA 4.0), copied here as literals.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from verifier.pack import PackReader
from verifier.registry.uscc import (
    Reason,
    UsccTables,
    normalize_code,
    org_code_check_char,
    regno15_check_digit,
    regno15_valid,
    uscc_check_char,
    validate_uscc,
)

REAL = [
    "914403001922038216",  # 华为技术有限公司
    "9144030010001686XA",  # 招商银行股份有限公司
    "91110108551385082Q",  # 小米科技有限责任公司
    "91520000214434146R",  # 中航重机股份有限公司
    "91370200163581559Q",  # 青岛世泰实业有限公司 (registration sample)
    "92654025MA79X9Y259",  # 个体工商户 (registration sample)
]


@pytest.mark.parametrize("code", REAL)
def test_real_codes_pass(code: str) -> None:
    res = validate_uscc(code)
    assert res.kind == "uscc"
    assert res.valid
    assert res.issues == ()


@pytest.mark.parametrize(
    ("raw", "reasons", "expected"),
    [
        ("91110000800088421P", [Reason.check_char, Reason.org_code_check], ["W", "6"]),
        ("9133010057462616XH", [Reason.check_char, Reason.org_code_check], ["9", "8"]),
        ("914403001922038217", [Reason.check_char], ["6"]),
    ],
)
def test_altered_codes_fail_with_expected_char(
    raw: str, reasons: list[Reason], expected: list[str]
) -> None:
    res = validate_uscc(raw)
    assert res.reasons == reasons
    assert [i.expected for i in res.issues] == expected
    assert not res.valid


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("９１４４０３００１９２２０３８２１６", "914403001922038216"),
        ("9144 0300 1922 0382 16", "914403001922038216"),
        ("9144030010001686xa", "9144030010001686XA"),
        ("91110108-551385082q", "91110108551385082Q"),
    ],
)
def test_normalization_before_validation(raw: str, code: str) -> None:
    assert normalize_code(raw) == code
    res = validate_uscc(raw)
    assert res.code == code
    assert res.valid and res.raw == raw


@pytest.mark.parametrize(
    ("raw", "reason", "position", "valid"),
    [
        ("9144030019220382I6", Reason.alphabet, 17, False),  # I is not in the alphabet
        ("91440300192203821", Reason.length, None, False),
        ("", Reason.empty, None, False),
        ("   ", Reason.empty, None, False),
        # Authority W does not exist; checksum recomputed so only that reason fires.
        ("W14403001922038216", Reason.authority, 1, False),
        ("99460000MA5RG149XX", Reason.entity_type, 2, True),  # real code, entity type 9/9
        ("91140622770121181X", Reason.org_code_check, 17, True),  # real: GB 11714 fails
        ("91220101MA13XQYL0T", Reason.division_unknown, 3, True),  # real: 长春市辖区 (old)
        ("91990000MA13XQYL0T", Reason.province, 3, False),
    ],
)
def test_each_failure_has_its_reason(
    raw: str, reason: Reason, position: int | None, valid: bool
) -> None:
    if len(raw) == 18 and reason in (Reason.authority, Reason.province):
        raw = raw[:17] + uscc_check_char(raw[:17])
    res = validate_uscc(raw)
    assert reason in res.reasons
    hit = next(i for i in res.issues if i.reason == reason)
    assert hit.position == position
    assert res.valid is valid
    assert hit.message  # Chinese text for reviewers
    assert hit.level == ("flag" if valid else "invalid")


def test_alphabet_issue_offers_repair_as_hint_only() -> None:
    res = validate_uscc("91440300192203821O")
    issue = res.issues[0]
    assert issue.reason is Reason.alphabet and issue.expected == "0" and issue.found == "O"
    assert not res.valid


def test_check_char_zero_remainder_gives_zero() -> None:
    # Find a body whose weighted sum is a multiple of 31: the check char must be "0".
    body = next(
        f"9144030019220{n:04d}"
        for n in range(10000)
        if uscc_check_char(f"9144030019220{n:04d}") == "0"
    )
    assert validate_uscc(body + "0").reasons[:1] != [Reason.check_char]


@pytest.mark.parametrize(
    ("body", "check"), [("19220382", "1"), ("10001686", "X"), ("M000100Y", "4")]
)
def test_org_code_check_char(body: str, check: str) -> None:
    assert org_code_check_char(body) == check


@pytest.mark.parametrize("regno", ["110108012660422", "520000000005018", "320113000001439"])
def test_legacy_regno_recognized(regno: str) -> None:
    assert regno15_valid(regno)
    res = validate_uscc(regno)
    assert res.kind == "regno" and res.valid and res.division == regno[:6]


def test_legacy_regno_bad_check_digit() -> None:
    res = validate_uscc("110108012660423")
    assert res.kind == "regno" and res.reasons == [Reason.regno_check]
    assert res.issues[0].expected == regno15_check_digit("11010801266042") == "2"


def test_tables_refuse_bad_rows_with_line(tmp_path: Path) -> None:
    root = tmp_path
    (root / "registry").mkdir()
    (root / "registry" / "uscc_authorities.csv").write_text(
        "authority,authority_name,entity_type\n9,工商,1\n9,工商,1\nlong,x,1\n", encoding="utf-8"
    )
    (root / "registry" / "divisions.csv").write_text(
        "code,name,level\n110000,北京市,province\n", encoding="utf-8"
    )
    pack = PackReader(root)
    tables = UsccTables.from_pack(pack)
    lines = sorted(i.line for i in pack.issues)
    assert lines == [3, 4]
    assert tables.authorities == {"9": frozenset({"1"})}
